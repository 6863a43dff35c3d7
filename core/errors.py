"""The one exception tree of budgetlint.

Every error a user can cause (bad input file, malformed rule pack, unknown
check type, wrong parameter) is a :class:`BudgetlintError` whose ``str()`` is
one line naming the culprit, the place and the fix.  The CLI prints that line
and maps the class to an exit code; it never shows a traceback for these.
"""
from __future__ import annotations


class BudgetlintError(Exception):
    """Base class.  ``culprit`` is the file (or rule id), ``where`` the place
    inside it (``line 12``, ``rules[3].params.weights``), ``fix`` what to do."""

    exit_code = 2

    def __init__(self, message: str, *, culprit: str | None = None,
                 where: str | None = None, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.culprit = culprit
        self.where = where
        self.fix = fix

    def __str__(self) -> str:
        head = ""
        if self.culprit:
            head = self.culprit
            if self.where:
                head += f":{self.where}" if self.where[:1].isdigit() else f" ({self.where})"
            head += ": "
        text = head + self.message
        if self.fix:
            text += f" — {self.fix}"
        from budgetlint.core.safe_text import printable

        return printable(" ".join(text.split("\n")), one_line=True)


class UsageError(BudgetlintError):
    """Wrong command-line usage (exit 2)."""


class InputError(BudgetlintError):
    """An input document could not be read (exit 3); other files go on."""

    exit_code = 3


class UnsupportedFormatError(InputError):
    """The file's extension/content is not a format any loader handles."""


class LimitExceededError(InputError):
    """A safety limit (size, pages, zip member) was exceeded."""


class RulePackError(BudgetlintError):
    """A rule pack is malformed or inconsistent (exit 2, nothing checked)."""


class PluginError(BudgetlintError):
    """A plugin registered something invalid (duplicate id, bad schema)."""


class CheckError(BudgetlintError):
    """A check could not run because of a programming error in the check."""


class FormulaError(RulePackError):
    """A ``formula`` rule expression is invalid or exceeded its limits."""


class WaiverError(BudgetlintError):
    """A waiver file is malformed."""


class SharedInputMissing(InputError):
    """A rule case or test reads third-party real documents from ``../shared/``
    (never copied into this repository) and that folder is absent here: the
    case is skipped with this reason, not failed."""
