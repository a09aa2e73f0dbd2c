"""Course content as code: load, check and serve programs and modules from `courses/`."""
