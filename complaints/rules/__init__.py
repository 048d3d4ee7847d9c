"""Pure policy functions: plain values in, plain values out. No ORM, no I/O."""
