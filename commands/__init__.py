"""Command-line commands, one module per system; cli.py loads them lazily."""
