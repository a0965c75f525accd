#!/usr/bin/env python
"""Django's command-line utility for Putright: the same as the ``putright`` console script."""

from putright.cli import main

if __name__ == "__main__":
    main()
