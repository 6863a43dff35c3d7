"""Rule pack ``shanghai-2024``: the Shanghai 2024 部门决算 template (data only)."""
