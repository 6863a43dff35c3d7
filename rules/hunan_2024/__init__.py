"""Rule pack ``hunan-2024``: Hunan province 部门决算 reports for fiscal years 2023–2025 (YAML data)."""
