"""Playground conversations arrive with the playground issue; the app exists so URLs and permissions can."""
