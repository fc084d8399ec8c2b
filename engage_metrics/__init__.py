"""Engage engine: import volunteer and event exports into DuckDB and compute
engagement metrics. Never imports Streamlit."""

__version__ = "0.1.0"
