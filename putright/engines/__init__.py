"""Pure engines: plain values in, plain values out, no Django imports."""
