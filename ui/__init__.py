"""The Gradio app: the same pipeline as the CLI, shown in a browser."""
