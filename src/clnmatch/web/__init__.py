"""The matching event page: a local web app over ``clnmatch.event`` (FastAPI, htmx, SortableJS)."""
