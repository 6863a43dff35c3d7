"""Issue 18: ``budgetlint serve`` — the clerks' page and its JSON API.

Every test talks to a real server started as a subprocess on a free
localhost port (the way a clerk's IT starts it), with bounded polling.
Skipped with the reason when the ``web`` extra is not installed; the browser
test is skipped when Chromium + chromedriver are missing."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "samples" / "002_5ce8aee0cc10826a.pdf"
SEED_TXT = ROOT / "samples" / "002_5ce8aee0cc10826a.txt"
TOKEN = "s3cret-token"

for _mod, _pkg in (("fastapi", "fastapi"), ("uvicorn", "uvicorn"), ("multipart", "python-multipart"),
                   ("pikepdf", "pikepdf"), ("PIL", "pillow")):
    pytest.importorskip(_mod, reason=f"the web extra is not installed ({_pkg}): pip install 'budgetlint[web]'")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A ``budgetlint serve`` subprocess on a data dir."""

    def __init__(self, data: Path, token: str | None = TOKEN, max_mb: float = 5, args: tuple[str, ...] = ()) -> None:
        self.data, self.token, self.max_mb, self.args = data, token, max_mb, args
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> Server:
        self.port = _free_port()
        exe = Path(sys.executable).parent / "budgetlint"
        cmd = [str(exe), "serve", "--port", str(self.port), "--data-dir", str(self.data),
               "--max-upload-mb", str(self.max_mb), *self.args]
        env = {k: v for k, v in os.environ.items() if k != "BUDGETLINT_TOKEN"}
        if self.token:
            env["BUDGETLINT_TOKEN"] = self.token
        self.log = open(self.data.parent / f"server-{self.port}.log", "wb")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        for _ in range(240):
            if self.proc.poll() is not None:
                raise AssertionError("server exited: " + (self.data.parent / f"server-{self.port}.log").read_text())
            try:
                self.request("GET", "/api/documents")
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.25)
        raise AssertionError("server did not start in 60 s")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
                auth: bool = True) -> tuple[int, bytes, dict[str, str]]:
        h = dict(headers or {})
        if auth and self.token:
            h["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers)

    def json(self, method: str, path: str, payload: Any = None) -> Any:
        body = json.dumps(payload).encode() if payload is not None else None
        status, data, _ = self.request(method, path, body, {"Content-Type": "application/json"} if body else None)
        assert status == 200, (status, data[:300])
        return json.loads(data)

    def upload(self, name: str, data: bytes, auth: bool = True) -> tuple[int, Any]:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        status, out, _ = self.request("POST", "/api/documents", body,
                                      {"Content-Type": f"multipart/form-data; boundary={boundary}"}, auth=auth)
        try:
            return status, json.loads(out)
        except ValueError:
            return status, out

    def wait(self, doc_id: str, timeout: float = 300) -> dict[str, Any]:
        for _ in range(int(timeout / 0.5)):
            st = self.json("GET", f"/api/documents/{doc_id}")
            if st["status"] in ("done", "failed"):
                return st
            time.sleep(0.5)
        raise AssertionError(f"{doc_id} not checked in {timeout} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("web") / "data"
    srv = Server(data).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def seed_doc(server: Server) -> dict[str, Any]:
    status, out = server.upload(SEED.name, SEED.read_bytes())
    assert status == 200, out
    st = server.wait(out["id"])
    assert st["status"] == "done", st
    return st


def test_upload_seed_pdf_report_has_check_schema(server: Server, seed_doc: dict[str, Any]) -> None:
    from budgetlint.core.schemas import validate_report

    report = server.json("GET", f"/api/documents/{seed_doc['id']}/report")
    assert validate_report(report) == []
    assert report["documents"][0]["path"] == SEED.name
    assert report["summary"]["findings"] == seed_doc["summary"]["findings"] > 0
    assert any(f["location"].get("page") and f["location"].get("bbox") for f in report["findings"])
    for fmt, magic in (("html", b"<"), ("xlsx", b"PK"), ("sarif", b"{")):
        status, data, _ = server.request("GET", f"/api/documents/{seed_doc['id']}/report?format={fmt}")
        assert status == 200 and data.lstrip().startswith(magic), fmt
    status, _, _ = server.request("GET", "/openapi.json")
    assert status == 200


def test_upload_shanghai_pdf(server: Server) -> None:
    from budgetlint.core.testing import shared_dir

    shared = shared_dir(ROOT)
    if shared is None or not (shared / "real-pdfs").is_dir():
        pytest.skip("third-party real PDFs (../shared/real-pdfs) are not available")
    pdfs = sorted((shared / "real-pdfs").glob("shanghai-*final-accounts.pdf")) or sorted(
        (shared / "real-pdfs").glob("shanghai*.pdf"))
    if not pdfs:
        pytest.skip("no Shanghai PDF in ../shared/real-pdfs")
    status, out = server.upload(pdfs[-1].name, pdfs[-1].read_bytes())
    assert status == 200
    st = server.wait(out["id"])
    assert st["status"] == "done", st
    report = server.json("GET", f"/api/documents/{out['id']}/report")
    assert report["documents"][0]["status"] == "checked"


def test_annotated_pdf_has_one_annotation_per_pdf_finding(server: Server, seed_doc: dict[str, Any],
                                                          tmp_path: Path) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    report = server.json("GET", f"/api/documents/{seed_doc['id']}/report")
    per_page: dict[int, int] = {}
    for f in report["findings"]:
        if f["location"].get("bbox") and f["location"].get("page"):
            per_page[f["location"]["page"]] = per_page.get(f["location"]["page"], 0) + 1
    status, data, headers = server.request("GET", f"/api/documents/{seed_doc['id']}/annotated.pdf")
    assert status == 200 and data.startswith(b"%PDF")
    out = tmp_path / "annotated.pdf"
    out.write_bytes(data)
    pdf = pdfium.PdfDocument(str(out))
    try:
        got = {i + 1: raw.FPDFPage_GetAnnotCount(pdf[i]) for i in range(len(pdf))}
    finally:
        pdf.close()
    assert {k: v for k, v in got.items() if v} == per_page


def test_hostile_uploads_and_token(server: Server, seed_doc: dict[str, Any]) -> None:
    # no token → 401, nothing stored
    before = len(server.json("GET", "/api/documents"))
    status, _ = server.upload("a.pdf", SEED.read_bytes(), auth=False)
    assert status == 401
    status, _, _ = server.request("GET", f"/api/documents/{seed_doc['id']}", auth=False)
    assert status == 401
    status, _, _ = server.request("GET", "/", auth=False)
    assert status == 401
    # over the limit (5 MB in this server) → 413
    status, out = server.upload("big.pdf", b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024))
    assert status == 413, out
    # a traversal name is only a label; the file lives under files/<sha256>.pdf
    bad = SEED.read_bytes()[:400] + b"\nnot a pdf any more\n"
    status, out = server.upload("../../x.pdf", bad)
    assert status == 200, out
    st = server.wait(out["id"])
    assert st["name"] == "x.pdf"
    assert st["status"] == "failed" and "\n" not in st["error"] and "Traceback" not in st["error"]
    assert "x.pdf" in st["error"]
    assert not (server.data.parent.parent / "x.pdf").exists() and not (server.data / "x.pdf").exists()
    assert (server.data / "files" / f"{st['sha256']}.pdf").exists()
    # nothing else lost
    assert len(server.json("GET", "/api/documents")) == before + 1
    assert server.json("GET", f"/api/documents/{seed_doc['id']}")["status"] == "done"
    # unsupported type: one-line 415
    status, out = server.upload("evil.exe", b"MZ")
    assert status == 415


def test_waiver_persists_across_restart_and_exports_for_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    srv = Server(data).start()
    try:
        status, out = srv.upload(SEED_TXT.name, SEED_TXT.read_bytes())
        doc_id = out["id"]
        assert srv.wait(doc_id)["status"] == "done"
        report = srv.json("GET", f"/api/documents/{doc_id}/report")
        target = next(f for f in report["findings"] if f["severity"] in ("error", "warning"))
        w = srv.json("POST", f"/api/documents/{doc_id}/waivers",
                     {"fingerprint": target["fingerprint"], "reason": "已核实，系引用原文", "approved_by": "张三",
                      "expires": "2099-12-31"})
        assert w["rule"] == target["rule_id"]
    finally:
        srv.stop()
    srv = Server(data).start()
    try:
        report = srv.json("GET", f"/api/documents/{doc_id}/report")
        waived = [f for f in report["findings"] if f.get("waived")]
        assert [f["fingerprint"] for f in waived] == [target["fingerprint"]]
        assert report["summary"]["waived"] == 1
        status, yaml_text, _ = srv.request("GET", "/api/waivers")
        assert status == 200
    finally:
        srv.stop()
    # the exported file is the CLI's waiver file and waives the same finding there
    from budgetlint.core.batch import run_batch
    from budgetlint.core.engine import Checker
    from budgetlint.core.waivers import parse_waivers

    wfile = tmp_path / "waivers.yaml"
    wfile.write_bytes(yaml_text)
    ok, errors = parse_waivers(wfile)
    assert not errors and len(ok) == 1
    cli = run_batch(Checker(), [str(SEED_TXT)], jobs=1, waivers=str(wfile))
    assert [f["fingerprint"] for f in cli["findings"] if f.get("waived")] == [target["fingerprint"]]


def test_new_version_shows_fixed(server: Server, tmp_path: Path) -> None:
    text = SEED_TXT.read_text(encoding="utf-8")
    name = "株洲政研室2024决算.txt"
    status, out = server.upload(name, text.encode("utf-8"))
    assert server.wait(out["id"])["status"] == "done"
    report = server.json("GET", f"/api/documents/{out['id']}/report")
    target = next(f for f in report["findings"] if f["rule_id"] == "fa-text-table-match")
    lines = text.splitlines(keepends=True)
    del lines[target["location"]["line"] - 1]
    status, out2 = server.upload(name, "".join(lines).encode("utf-8"))
    st = server.wait(out2["id"])
    assert st["comparison"]["previous_id"] == out["id"]
    assert st["comparison"]["fixed"] >= 1
    status, page, _ = server.request("GET", f"/documents/{out2['id']}")
    assert status == 200 and "已修复" in page.decode("utf-8")


# ------------------------------------------------------------------ browser
def _browser() -> tuple[str, str] | None:
    for b in ("chromium", "chromium-browser", "google-chrome"):
        binary = shutil.which(b)
        if binary:
            driver = shutil.which("chromedriver") or ("/usr/lib/chromium/chromedriver"
                                                      if Path("/usr/lib/chromium/chromedriver").exists() else None)
            if driver:
                return binary, driver
    return None


def _eventually_text(driver, element_id: str, text: str, seconds: float = 30) -> bool:
    """The page reloads after a form post: read the element again until the
    text appears (an element of the old page goes stale under our feet)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if text in driver.find_element(By.ID, element_id).text:
                return True
        except (StaleElementReferenceException, NoSuchElementException):
            pass
        time.sleep(0.2)
    return False


def test_browser_upload_and_boxes(server: Server, tmp_path: Path) -> None:
    found = _browser()
    if found is None:
        pytest.skip("no headless Chromium + chromedriver (apt-get install chromium chromium-driver)")
    from PIL import Image
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service as DriverService
    from selenium.webdriver.common.by import By

    opts = webdriver.ChromeOptions()
    opts.binary_location = found[0]
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--window-size=1400,1000", "--force-device-scale-factor=1"):
        opts.add_argument(a)
    driver = webdriver.Chrome(service=DriverService(found[1]), options=opts)
    try:
        driver.set_page_load_timeout(60)
        driver.get(server.url + "/login")
        driver.find_element(By.NAME, "token").send_keys(TOKEN)
        driver.find_element(By.TAG_NAME, "button").click()
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 60).until(ec.presence_of_element_located((By.ID, "files")))  # after the login redirect
        driver.find_element(By.ID, "files").send_keys(str(SEED))
        driver.find_element(By.ID, "submit").click()
        for _ in range(600):  # the pending page refreshes itself every 2 s
            if driver.find_elements(By.ID, "finding-list"):
                break
            time.sleep(0.5)
        items = driver.find_elements(By.CSS_SELECTOR, "#finding-list li.finding")
        assert items, "no findings list"
        box = driver.find_element(By.CSS_SELECTOR, ".box.sev-error")
        # wait for the page image under the box
        img = box.find_element(By.XPATH, "..").find_element(By.TAG_NAME, "img")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", box)
        for _ in range(120):
            if driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img):
                break
            time.sleep(0.5)
        shot = tmp_path / "page.png"
        driver.save_screenshot(str(shot))
        r = driver.execute_script("const r = arguments[0].getBoundingClientRect();"
                                  "return [r.left, r.top, r.right, r.bottom];", box)
        im = Image.open(shot).convert("RGB")
        x0, y0, x1, y1 = (int(v) for v in r)
        edge = [im.getpixel((x, y)) for x in range(max(x0, 0), min(x1, im.width))
                for y in (y0 + 1, y1 - 2) if 0 <= y < im.height]
        red = [p for p in edge if p[0] > 200 and p[1] < 80 and p[2] < 80]
        assert edge and len(red) > 0.5 * len(edge), (r, edge[:5])
        # clicking a finding scrolls its place into view
        link = driver.find_element(By.CSS_SELECTOR, "#finding-list a.goto[href^='#box-']")
        target = driver.find_element(By.ID, link.get_attribute("href").split("#", 1)[1])
        driver.execute_script("window.scrollTo(0, 0)")
        link.click()
        top = driver.execute_script("return arguments[0].getBoundingClientRect().top", target)
        assert 0 <= top <= driver.execute_script("return window.innerHeight")
        # waive it through the form
        item = link.find_element(By.XPATH, "./ancestor::li")
        item.find_element(By.TAG_NAME, "summary").click()
        item.find_element(By.NAME, "reason").send_keys("页面豁免测试")
        item.find_element(By.NAME, "approved_by").send_keys("李四")
        item.find_element(By.XPATH, ".//form[contains(@action, '/waive')]//button").click()
        assert _eventually_text(driver, "finding-list", "已豁免：页面豁免测试"), "the waiver is not shown"
    finally:
        driver.quit()


def test_xlsx_view_highlights_the_cell(server: Server) -> None:
    xlsx = ROOT / "samples" / "004_scorecards_2020.xlsx"
    status, out = server.upload(xlsx.name, xlsx.read_bytes())
    assert status == 200
    assert server.wait(out["id"])["status"] == "done"
    status, page, _ = server.request("GET", f"/documents/{out['id']}?severity=error")
    html = page.decode("utf-8")
    assert status == 200 and 'class="src-cell hl"' in html and 'href="#src-' in html
    assert "None" not in html.split('id="finding-list"')[1]


def test_open_bind_without_token_is_refused_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BUDGETLINT_TOKEN"}
    exe = Path(sys.executable).parent / "budgetlint"
    proc = subprocess.run([str(exe), "serve", "--host", "0.0.0.0", "--data-dir", str(tmp_path / "d")],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "token" in proc.stderr and "Traceback" not in proc.stderr


def test_page_limit_and_report_before_done(tmp_path: Path) -> None:
    srv = Server(tmp_path / "data", args=("--max-pages", "2")).start()
    try:
        status, out = srv.upload(SEED.name, SEED.read_bytes())
        st = srv.wait(out["id"])
        assert st["status"] == "failed" and "页上限" in st["error"] and "\n" not in st["error"]
        status, body, _ = srv.request("GET", "/api/documents/0123456789abcdef/report")
        assert status == 404
    finally:
        srv.stop()
