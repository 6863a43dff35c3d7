"""Rule pack ``hunan-2020``: Hunan province reports for fiscal years 2019–2022 (YAML data)."""
