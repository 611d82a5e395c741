"""GXQ Desktop — 高新区综合市场监管桌面端."""

__version__ = "0.1.0"
