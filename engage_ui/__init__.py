"""The dashboard's small UI layer: the cached connection, cached engine calls,
the shared sidebar filters, rendering the figures the engine builds, and formatting.
The only code that uses ``st.cache_*``; pages import from here and from ``engage_metrics``."""
