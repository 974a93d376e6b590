"""mammoflow's Python stage programs (DESIGN.md §4): `python -m mammoflow_jobs NAME --request FILE`."""
