"""The scenarios of ``python -m benchmarks run``: each module has DEFAULTS, add_arguments() and run()."""
