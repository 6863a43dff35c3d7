"""Built-in plugins: loaders, recognizers, checks and reporters.  They are
registered through the ``budgetlint`` entry-point group, exactly like a
third-party plugin distribution."""
