"""The web front ends: the Gradio page and the JSON API, over the same service as the CLI."""
