"""The test suite, a package so that a test imports its folder's helpers as ``tests.<folder>.<module>``
(pytest then puts the repository root on sys.path, for a whole run and for a single file alike)."""
