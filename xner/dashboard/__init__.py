"""Run collection and the recall comparison report.

``python -m xner.dashboard <sweep or runs dirs...> [-o report.html]`` — see `xner.dashboard.cli`.
Pieces: `collect` (run dirs → `Run` records, and `Skipped` ones with the reason), `methods` (method
and language identity from a run's config), `reference` (the seed paper's published figures),
`table` (method × language tables, pure), `report` (the self-contained HTML page).
"""
