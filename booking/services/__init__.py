"""The domain services: plain values in, results or typed errors out (see errors.py)."""
