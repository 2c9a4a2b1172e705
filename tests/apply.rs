//! Integration tests: apply.
