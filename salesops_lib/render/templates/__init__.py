"""Page, index and style templates of the rendered reports (package data)."""
