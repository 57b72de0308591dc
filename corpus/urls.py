from __future__ import annotations

app_name = "editor"

urlpatterns: list = []
