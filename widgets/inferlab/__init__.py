"""inferlab: pure-Python models of LLM inference systems.

The same code runs at site build time (pre-rendering widgets), on the command
line (``python -m inferlab``) and in the browser under Pyodide.  Standard
library only.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
