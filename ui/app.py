"""The Gradio app. Each handler calls QAService (the CLI's pipeline) and renders the result;
no retrieval or reading logic lives here."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from index.errors import UserError
from index.loaders import SUPPORTED_SUFFIXES
from qa.config import MAX_TOP_K, REPO_ROOT, RETRIEVAL_MODES, Config
from qa.render import passage_json, result_json
from qa.service import QAService

from . import html as render

AUTH_ENV = "QA_AUTH"  # "user:password"
DEFAULT_QUESTIONS = REPO_ROOT / "eval" / "questions.jsonl"
# The question sets the Evaluation tab offers by name; a user never types a server path.
SHIPPED_QUESTION_SETS = {"bundled articles (eval/questions.jsonl)": DEFAULT_QUESTIONS}
EXAMPLE_COUNT = 6
# Opening "Show the whole article" scrolls the article to the cited passage.
SCROLL_TO_PASSAGE = """() => {
  document.querySelectorAll('#citations details.qa-article').forEach((details) => {
    if (details.dataset.scrolls) return;
    details.dataset.scrolls = '1';
    details.addEventListener('toggle', () => {
      const mark = details.querySelector('.qa-article-text mark');
      if (details.open && mark) mark.scrollIntoView({block: 'center'});
    });
  });
}"""


def example_questions(service: QAService, questions_file: Path = DEFAULT_QUESTIONS) -> list[str]:
    """Answerable questions from the question set whose article is in the index (none otherwise)."""
    from eval.questions import load_questions

    if not questions_file.is_file():
        return []
    indexed = {a.doc_id for a in service.articles()}
    picks = [q.question for q in load_questions(questions_file) if q.answerable and q.doc in indexed]
    step = max(1, len(picks) // EXAMPLE_COUNT)
    return picks[::step][:EXAMPLE_COUNT]


def build_app(service: QAService):
    import gradio as gr

    def show_answer(question, top_k, retrieval, reader):
        try:
            result = service.ask(question, top_k=int(top_k), retrieval=retrieval, reader=reader)
        except UserError as exc:
            return f"<div class='qa-none'>{render._e(str(exc))}</div>", ""
        return render.answer_summary(result), render.answer_cards(result, service.document_text)

    def show_passages(query, top_k, retrieval):
        try:
            passages = service.search(query, top_k=int(top_k), retrieval=retrieval)
        except UserError as exc:
            return f"<p>{render._e(str(exc))}</p>"
        return render.passage_list(passages, query)

    def article_rows():
        return [[a.doc_id, a.title, a.chunks, a.characters] for a in service.articles()]

    def add_files(files, replace_existing, progress=gr.Progress()):
        if not files:
            return "Choose one or more files first.", article_rows()
        messages: list[str] = []
        progress(0.1, desc="reading and indexing")
        try:
            report = service.add_articles([Path(f) for f in files], log=messages.append,
                                          replace_existing=bool(replace_existing))
        except UserError as exc:
            messages.append(str(exc))
            return _notes("Nothing was added.", messages), article_rows()
        progress(1.0, desc="done")
        summary = (f"Indexed: {len(report.added)} added, {len(report.changed)} updated, "
                   f"{report.embedded_chunks} chunks embedded. The index holds {report.documents} articles.")
        return _notes(summary, messages), article_rows()

    def show_evaluation(shipped_set, uploaded):
        from eval.questions import load_questions
        from eval.report import html_tables, write_report
        from eval.runner import evaluate as run_evaluation
        import tempfile

        if uploaded:
            path, name = Path(uploaded), Path(uploaded).name
        elif shipped_set in SHIPPED_QUESTION_SETS:
            path, name = SHIPPED_QUESTION_SETS[shipped_set], shipped_set
        else:
            return "<p>Choose a shipped question set or upload a question file (.jsonl).</p>", []
        try:
            questions = load_questions(path)
        except UserError as exc:
            return f"<p>{render._e(str(exc).replace(str(path.parent) + '/', ''))}</p>", []
        run = run_evaluation(service.pipeline, questions)
        folder = Path(tempfile.mkdtemp(prefix="qa-report-"))
        written = write_report(run, folder, title=f"Evaluation of {name}")
        return html_tables(run), [str(p) for p in written if p.suffix == ".png"]

    def ask_json(question: str, top_k: int = 5, retrieval: str = "hybrid", reader: str = "auto") -> dict:
        """The same JSON object as `python -m qa ask --json`."""
        with _user_errors_shown(gr):
            return result_json(service.ask(question, top_k=_whole(top_k), retrieval=retrieval, reader=reader))

    def search_json(query: str, top_k: int = 5, retrieval: str = "hybrid") -> dict:
        """The same JSON object as `python -m qa search --json`."""
        with _user_errors_shown(gr):
            passages = service.search(query, top_k=_whole(top_k), retrieval=retrieval)
            return {"query": query, "passages": [passage_json(p) for p in passages]}

    with gr.Blocks(title="Newsroom QA") as app:
        gr.Markdown("# Newsroom QA\nAsk a question about the indexed news articles.")
        with gr.Accordion("Settings", open=False):
            with gr.Row():
                top_k = gr.Slider(1, 20, value=service.config.top_k, step=1, label="Passages to read")
                retrieval = gr.Radio(list(RETRIEVAL_MODES), value=service.config.retrieval, label="Retrieval")
                reader = gr.Dropdown(service.readers_offered(), value=service.config.reader,
                                     allow_custom_value=False, label="Reader")
        with gr.Tabs():
            with gr.Tab("Ask"):
                question = gr.Textbox(label="Question", placeholder="Ask and press Enter", elem_id="question")
                ask_button = gr.Button("Ask", variant="primary")
                summary = gr.HTML(elem_id="answer")
                cards = gr.HTML(elem_id="citations")
                examples = example_questions(service)
                if examples:
                    gr.Examples(examples, inputs=question, label="Try one of these")
                gr.on([question.submit, ask_button.click], show_answer, [question, top_k, retrieval, reader], [summary, cards],
                      api_visibility="private").then(None, js=SCROLL_TO_PASSAGE)
            with gr.Tab("Search"):
                query = gr.Textbox(label="Find passages", placeholder="Words or a question, then Enter", elem_id="query")
                hits = gr.HTML(elem_id="hits")
                query.submit(show_passages, [query, top_k, retrieval], hits, api_visibility="private")
            with gr.Tab("Articles"):
                upload = gr.File(file_count="multiple", file_types=sorted(SUPPORTED_SUFFIXES),
                                 label="Add articles (.txt .md .html .htm .pdf .jsonl)", elem_id="upload")
                replace_existing = gr.Checkbox(False, label="Replace indexed articles that have the same name",
                                               elem_id="replace-existing")
                add_button = gr.Button("Add to the index", elem_id="add")
                added = gr.Markdown(elem_id="added")
                table = gr.Dataframe(article_rows(), headers=["id", "title", "chunks", "characters"],
                                     interactive=False, elem_id="articles")
                add_button.click(add_files, [upload, replace_existing], [added, table], api_visibility="private",
                                 concurrency_limit=1)
            with gr.Tab("Evaluation"):
                shipped_set = gr.Dropdown(list(SHIPPED_QUESTION_SETS), value=next(iter(SHIPPED_QUESTION_SETS)),
                                          label="Shipped question set", elem_id="question-set")
                uploaded_set = gr.File(file_types=[".jsonl"], label="…or upload a question file (JSON Lines)",
                                       elem_id="question-upload")
                run_button = gr.Button("Run the evaluation")
                plots = gr.Gallery(label="Plots", columns=2, height="auto")
                report = gr.HTML()
                run_button.click(show_evaluation, [shipped_set, uploaded_set], [report, plots], api_visibility="private")
        gr.api(ask_json, api_name="ask")
        gr.api(search_json, api_name="search")
    return app


@contextmanager
def _user_errors_shown(gr):
    """A user's mistake through the API comes back as its one-line message, not a bare error."""
    try:
        yield
    except UserError as exc:
        raise gr.Error(str(exc)) from None


def _whole(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or int(value) != value:
        raise UserError(f"top-k must be a whole number from 1 to {MAX_TOP_K}, got {value!r}")
    return int(value)


def _notes(summary: str, messages: list[str]) -> str:
    lines = [summary] + [f"- {m}" for m in messages]
    return "\n".join(lines)


# Gradio's page sets its config in an inline script, compiles code at run time (it does not
# render without 'unsafe-eval') and styles inline, so those stay allowed; everything else is
# this server only: no outside scripts, fonts or connections, no framing by other sites
# (clickjacking), no plugins.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


class SecurityHeaders:
    """ASGI middleware that adds SECURITY_HEADERS to every HTTP response."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in names]
                message = {**message, "headers": list(message.get("headers", [])) + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def auth_from_env() -> tuple[str, str] | None:
    value = os.environ.get(AUTH_ENV)
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise UserError(f"{AUTH_ENV} must look like user:password")
    return user, password


def serve(config: Config, host: str = "127.0.0.1", port: int = 7860, max_upload: str = "20mb",
          block: bool = True, log=print):
    """Start the app over the configured index (built from the bundled articles on first use)."""
    service = QAService(config, log=log)
    service.pipeline.warm_up()
    app = build_app(service)
    # Questions run side by side up to the machine's cores; uploads are indexed one at a time
    # (a second waits in the queue) while questions go on against the current index.
    app.queue(default_concurrency_limit=max(2, os.cpu_count() or 2))
    from starlette.middleware import Middleware

    app.launch(server_name=host, server_port=port, auth=auth_from_env(), max_file_size=max_upload,
               prevent_thread_lock=not block, quiet=not block, css=render.STYLE, footer_links=["api"],
               app_kwargs={"middleware": [Middleware(SecurityHeaders)]})
    return app
