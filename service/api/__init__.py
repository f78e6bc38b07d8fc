"""The REST service (FastAPI): app.py builds it, routers/ holds one module per resource, run.py is
`moderate serve`. See app.py for the layout."""
