"""The Gradio app. Each handler calls QAService (the CLI's pipeline) and renders the result;
no retrieval or reading logic lives here."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import gradio as gr  # at the top: Gradio finds gr.Request and gr.SelectData parameters by their annotations

from index.errors import UserError
from index.loaders import SUPPORTED_SUFFIXES
from index.stores import store_description
from qa.config import REPO_ROOT
from qa.pipeline import MAX_TOP_K
from qa.retrieval import RETRIEVAL_MODES
from qa.schema import result_json, search_json
from qa.service import QAService

from . import html as render
from .errors import said

DEFAULT_QUESTIONS = REPO_ROOT / "eval" / "questions.jsonl"
# The question sets the Evaluation tab offers by name; a user never types a server path.
SHIPPED_QUESTION_SETS = {"bundled articles (eval/questions.jsonl)": DEFAULT_QUESTIONS}
COLLECTION_SET = "this collection's own questions (marked Right or Wrong in Ask)"
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


# The marking buttons send the question just answered (from #answer .qa-asked) as the API's
# MarkBody: "right" with the best answer, "selection" with the words selected in a passage or
# an article (turned into the article's offsets), "none" with no answer. The server checks all.
_MARK_JS = """() => {
  const asked = document.querySelector('#answer .qa-asked');
  if (!asked) return JSON.stringify({error: 'Ask a question first, then mark its answer.'});
  const d = asked.dataset;
  const body = {question: d.question, since: d.since || null, until: d.until || null, source: d.source || null};
  const mode = '%s';
  if (mode === 'right') {
    if (!d.doc) return JSON.stringify({error: 'There is no answer to mark right: if the articles do not answer '
      + 'this, press "Wrong: the articles do not answer this".'});
    return JSON.stringify({...body, doc_id: d.doc, shown_right: true,
                           answer: {text: d.text, start: Number(d.start), end: Number(d.end)}});
  }
  if (mode === 'none') return JSON.stringify(body);
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed)
    return JSON.stringify({error: 'Select the right answer in a passage or the whole article first.'});
  const range = selection.getRangeAt(0);
  const node = range.startContainer.nodeType === 1 ? range.startContainer : range.startContainer.parentElement;
  const box = node && node.closest('[data-doc]');
  if (!box || !box.contains(range.endContainer))
    return JSON.stringify({error: 'Select words within one passage or one article.'});
  const before = document.createRange();
  before.selectNodeContents(box);
  before.setEnd(range.startContainer, range.startOffset);
  const start = Number(box.dataset.start) + before.toString().length;
  const text = range.toString();
  return JSON.stringify({...body, doc_id: box.dataset.doc, answer: {text, start, end: start + text.length}});
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


def received_upload(path: str | Path) -> Path:
    """A file that this server received through the page's upload (inside Gradio's upload
    folder), or UserError: a page event names its files by path, and a client can send any
    path, so nothing else on the server is ever read. The refusal is the same whether or not
    the path exists."""
    from gradio.utils import get_upload_folder

    given = Path(path)
    resolved = given.resolve()
    if not resolved.is_relative_to(Path(get_upload_folder()).resolve()) or not resolved.is_file():
        raise UserError(f"'{given.name}' is not a file uploaded to this page; choose it again with the upload box")
    return resolved


def _said(service: QAService, action: str, exc: Exception) -> str:
    return render.error_message(said(exc, action, service.log))


def build_app(service: QAService):
    def show_answer(question, top_k, retrieval, reader, since, until, source, correct=True):
        """The answer, its citations, and the "Ask exactly what I typed" button, shown only
        when misspelt words were corrected."""
        try:
            result = service.ask(question, top_k=top_k, retrieval=retrieval, reader=reader, since=since, until=until,
                                 source=source, correct=bool(correct))
        except Exception as exc:
            return _said(service, "Answering", exc), "", gr.Button(visible=False)
        secondary = service.config.secondary_answer_min_score
        note = (render.filter_note(since, until, source, service.articles)
                + render.share_link("ask", question, since, until, source) + render.asked(result, since, until, source))
        return (render.answer_summary(result) + note, render.answer_cards(result, service.document_text, secondary),
                gr.Button(visible=result.corrected_question is not None))

    def show_answer_as_typed(question, top_k, retrieval, reader, since, until, source):
        return show_answer(question, top_k, retrieval, reader, since, until, source, correct=False)

    def ask_example(chosen, *settings):
        return chosen, *show_answer(chosen, *settings)

    def save_mark(payload: str, request: gr.Request):
        """A Right or Wrong button's mark, through the API's own path (ui/api/questions.py)."""
        import json

        from qa.schema import MarkBody

        from .api.questions import save_mark as saved_through_api

        try:
            body = json.loads(payload or "{}")
            if isinstance(body, dict) and isinstance(body.get("error"), str):
                return render.error_message(body["error"])
            entry = saved_through_api(service, MarkBody.model_validate(body), getattr(request, "username", None))
        except Exception as exc:
            return _said(service, "Saving the mark", exc)
        return render.mark_saved(entry.question)

    def show_passages(query, top_k, retrieval, since, until, source):
        try:
            passages = service.search(query, top_k=top_k, retrieval=retrieval, since=since, until=until, source=source)
        except Exception as exc:
            return _said(service, "The search", exc)
        return (render.filter_note(since, until, source, service.articles)
                + render.share_link("search", query, since, until, source)
                + render.passage_list(passages, query, service.document_text))

    def from_link(top_k, retrieval, reader, correct, request: gr.Request):
        """A shared link (?q=…&tab=search&since=…&until=…&source=…) fills the page and asks
        its question as it opens; the values are checked as any typed ones are."""
        params = request.query_params if request else {}
        question = params.get("q", "").strip()
        tab = "search" if params.get("tab") == "search" else "ask"
        filters = [params.get(name, "") for name in ("since", "until", "source")]
        if not question:
            # nothing to ask: leave every field as it is (the user may be typing in one already)
            return (gr.skip(),) * 10
        if tab == "search":
            return (gr.Tabs(selected="search"), gr.skip(), question, *filters, gr.skip(), gr.skip(), gr.skip(),
                    show_passages(question, top_k, retrieval, *filters))
        return (gr.Tabs(selected="ask"), question, gr.skip(), *filters,
                *show_answer(question, top_k, retrieval, reader, *filters, correct), gr.skip())

    def articles_shown(listed=None):
        """The table and the chooser, which names each article as "title — date — source [id]"."""
        listed = service.articles() if listed is None else listed
        rows = [[a.doc_id, a.title, a.date or "", a.source or "", a.chunks, a.characters] for a in listed]
        return rows, gr.Dropdown(choices=[(render.article_label(a), a.doc_id) for a in listed], value=None)

    def pick_row(event: gr.SelectData):
        """A click on a table row chooses its article (the id is checked when it is used)."""
        row = event.row_value or []
        return gr.Dropdown(value=row[0]) if row else gr.skip()

    def pick_article(doc_id):
        """The chosen article's title, date and source, ready to be corrected."""
        if not doc_id:  # cleared after a save or a deletion: their message stays
            return gr.skip(), "", "", "", gr.Column(visible=False)
        try:
            info = service.article(doc_id)
        except UserError as exc:
            return _said(service, "Choosing the article", exc), "", "", "", gr.Column(visible=False)
        return "", info.title, info.date or "", info.source or "", gr.Column(visible=False)

    def when_loaded():
        """Runs as each page opens: waits for the models, then fills what needs the index."""
        try:
            listed = service.articles()
            rows, choices = articles_shown(listed)
            examples = example_questions(service)
        except Exception as exc:
            return (_said(service, "Loading the app", exc), [], gr.Dropdown(), gr.Radio(choices=[], visible=False),
                    "")
        return (gr.HTML("", visible=False), rows, choices,
                gr.Radio(choices=examples, value=None, visible=bool(examples)),
                render.filter_facts(listed))

    def add_files(files, replace_existing, title, date, source, progress=gr.Progress(track_tqdm=True)):
        if not files:
            return render.error_message("Choose one or more files to add first."), *articles_shown(), None
        messages: list[str] = []
        progress(0.05, desc="reading the files")
        try:
            report = service.add_articles([received_upload(f) for f in files], log=messages.append,
                                          replace_existing=bool(replace_existing), show_progress=True,
                                          title=title, date=date, source=source)
        except Exception as exc:
            return _said(service, "Adding the articles", exc) + _notes_html(["Nothing was added."] + messages), \
                *articles_shown(), None
        summary = (f"Indexed: {len(report.added)} added, {len(report.changed)} updated, "
                   f"{render.count_of(report.embedded_chunks, 'chunk')} embedded. "
                   f"The index holds {render.count_of(report.documents, 'article')}.")
        return _notes_html([summary] + messages), *articles_shown(), None

    def ask_to_delete(doc_id):
        """The question, shown beside the buttons that answer it."""
        if not doc_id:
            return render.error_message("Choose the article to delete first."), "", gr.Column(visible=False)
        document = service.pipeline.store.documents.get(doc_id)
        title = f" ({document.title})" if document else ""
        return "", render.confirmation(f"Delete '{doc_id}'{title} from the index? "
                                       "Questions will no longer find it; its file is not touched."), \
            gr.Column(visible=True)

    def delete_article(doc_id):
        try:
            report = service.remove_articles([doc_id] if doc_id else [])
        except Exception as exc:
            return _said(service, "Deleting the article", exc), gr.Column(visible=False), *articles_shown()
        message = _notes_html([f"Deleted '{doc_id}'. The index holds {render.count_of(report.documents, 'article')}."])
        return message, gr.Column(visible=False), *articles_shown()

    def save_details(doc_id, title, date, source):
        """Saves only what differs from the article as it is; the fields clear once saved."""
        kept = (title, date, source)
        if not doc_id:
            return render.error_message("Choose the article first."), *articles_shown(), *kept
        try:
            info = service.article(doc_id)
            changed = {name: value for name, value, now in (("title", title, info.title), ("date", date, info.date),
                                                             ("source", source, info.source))
                       if " ".join((value or "").split()) not in ("", now or "")}
            if not changed:
                return (render.error_message("Nothing to save: the title, date and source are as they were. "
                                             "Change one first."), gr.skip(), gr.skip(), *kept)
            service.edit_article(doc_id, **changed)
            info = service.article(doc_id)
        except Exception as exc:
            return _said(service, "Changing the article", exc), *articles_shown(), *kept
        details = ", ".join(p for p in (info.date, info.source) if p)
        saved = f"'{doc_id}' is now titled '{info.title}'" + (f" ({details})." if details else ".")
        return _notes_html([saved]), *articles_shown(), "", "", ""

    def cancel_delete():
        return "", gr.Column(visible=False)

    def show_evaluation(shipped_set, uploaded, progress=gr.Progress()):
        from eval.questions import load_questions
        from eval.runner import evaluate as run_evaluation

        if not uploaded and shipped_set == COLLECTION_SET:
            return show_collection_evaluation(progress)
        if uploaded:
            try:
                path, name = received_upload(uploaded), Path(uploaded).name
            except UserError as exc:
                return render.error_message(str(exc)), gr.Gallery(visible=False)
        elif shipped_set in SHIPPED_QUESTION_SETS:
            path, name = SHIPPED_QUESTION_SETS[shipped_set], shipped_set
        else:
            return (render.error_message("Choose a shipped question set or upload a question file (.jsonl)."),
                    gr.Gallery(visible=False))
        try:
            run = run_evaluation(service.pipeline, load_questions(path), progress=_counted(progress))
            return report_shown(run, f"Evaluation of {name}")
        except Exception as exc:
            message = _said(service, "The evaluation", exc).replace(str(path.parent) + "/", "")
            return message, gr.Gallery(visible=False)

    def show_collection_evaluation(progress, save: bool = False):
        from eval.baseline import save_baseline
        from eval.collection import COLLECTION, run_collection, since_baseline

        try:
            run, notes = run_collection(service.pipeline, service.question_set, progress=_counted(progress))
            if save:
                save_baseline(run, service.question_set.baseline_path, {"questions": COLLECTION})
            saved = "<p class='qa-since'>Saved as the baseline.</p>" if save else ""
            head = saved + render.since_baseline(since_baseline(run, service.question_set), notes)
            return report_shown(run, "Evaluation of this collection's own questions", head)
        except Exception as exc:
            return _said(service, "The evaluation", exc), gr.Gallery(visible=False)

    def report_shown(run, title: str, head: str = ""):
        """The report of an evaluation run (after `head`) and its plots, written to a folder of its own."""
        import tempfile

        from eval.report import html_tables, write_report

        written = write_report(run, Path(tempfile.mkdtemp(prefix="qa-report-")), title=title)
        return (f"{head}<div class='qa-report'>{html_tables(run)}</div>",
                gr.Gallery(value=[str(p) for p in written if p.suffix == ".png"], visible=True))

    def save_collection_baseline_now(progress=gr.Progress()):
        return show_collection_evaluation(progress, save=True)

    def api_ask(question: str, top_k: int | None = None, retrieval: str | None = None, reader: str | None = None,
                since: str | None = None, until: str | None = None, source: str | None = None,
                correct: bool | None = None) -> dict:
        """The same JSON object as `python -m qa ask --json`; a setting left out is the server's."""
        with _user_errors_shown(service.log):
            return result_json(service.ask(question, top_k=top_k, retrieval=retrieval, reader=reader, since=since,
                                           until=until, source=source, correct=correct))

    def api_search(query: str, top_k: int | None = None, retrieval: str | None = None, since: str | None = None,
                   until: str | None = None, source: str | None = None) -> dict:
        """The same JSON object as `python -m qa search --json`; a setting left out is the server's."""
        with _user_errors_shown(service.log):
            return search_json(query, service.search(query, top_k=top_k, retrieval=retrieval, since=since,
                                                     until=until, source=source))

    loading = service.status == "loading"
    with gr.Blocks(title="Newsroom QA") as app:
        gr.Markdown("# Newsroom QA\nAsk a question about the indexed news articles.")
        status = gr.HTML("<p class='qa-status'>Loading the models and the index… you can type a question now; "
                         "it is answered as soon as they are ready.</p>" if loading else "", elem_id="status")
        with gr.Accordion("Settings for Ask and Search: passages, retrieval, reader, dates and source",
                          open=False, elem_id="settings"):
            with gr.Row():
                top_k = gr.Slider(1, MAX_TOP_K, value=service.config.top_k, step=1, label="Passages",
                                  info="how many passages a question reads, or a search lists")
                retrieval = gr.Radio(list(RETRIEVAL_MODES), value=service.config.retrieval, label="Retrieval",
                                     info="hybrid: meaning and exact words together (best in most cases); "
                                          "dense: meaning only; lexical: the exact words only")
                reader = gr.Dropdown(service.readers_offered(), value=service.config.reader,
                                     allow_custom_value=False, label="Reader",
                                     info="auto: the reader this server ships")
            with gr.Row(elem_id="filters"):
                since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD", elem_id="since",
                                   info="only articles dated on or after this day")
                until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", elem_id="until",
                                   info="only articles dated on or before this day")
                source = gr.Textbox(label="Source", placeholder="e.g. Reuters", elem_id="source",
                                    info="only articles from this source")
            filter_facts = gr.Markdown(elem_id="filter-facts")
            correct = gr.Checkbox(service.config.correct_spelling, label="Correct misspelt words",
                                  info="a word in neither the articles nor an English dictionary is replaced by "
                                       "the nearest word of the articles (or the dictionary) before answering",
                                  elem_id="correct-spelling")
            gr.Markdown(f"Passages are searched in {store_description(service.config.store)} "
                        "(the server's `--store`).", elem_id="store")
            gr.Markdown(answer_margin_note(service.config.answer_margin, service.calibrated_answer_margin()),
                        elem_id="answer-margin")
        with gr.Tabs(overflow_behavior="wrap") as tabs:  # on a phone every tab stays in sight
            with gr.Tab("Ask", id="ask"):
                question = gr.Textbox(label="Question", placeholder="Ask and press Enter", elem_id="question")
                ask_button = gr.Button("Ask", variant="primary")
                summary = gr.HTML(elem_id="answer")
                as_typed = gr.Button("Ask exactly what I typed instead", visible=False, size="sm",
                                     elem_id="ask-as-typed")
                cards = gr.HTML(elem_id="citations")
                with gr.Row(elem_id="marking"):
                    mark_right = gr.Button("Right", size="sm", elem_id="mark-right")
                    mark_selection = gr.Button("Wrong: the right answer is the text I selected", size="sm",
                                               elem_id="mark-selection")
                    mark_none = gr.Button("Wrong: the articles do not answer this", size="sm", elem_id="mark-none")
                gr.Markdown("Marking keeps the question in this collection's own question set, which the "
                            "Evaluation tab scores. If the answer is wrong, select the right words in a passage "
                            "or in the whole article above, then press the middle button.", elem_id="marking-help")
                marked_note = gr.HTML(elem_id="marked")
                mark_payload = gr.Textbox(visible=False, elem_id="mark-payload")
                for button, mode in ((mark_right, "right"), (mark_selection, "selection"), (mark_none, "none")):
                    button.click(None, None, mark_payload, js=_MARK_JS % mode, api_visibility="private").then(
                        save_mark, mark_payload, marked_note, api_visibility="private")
                # Whole questions to click (a Dataset would cut them short).
                examples = gr.Radio(choices=[], value=None, label="Try one of these", visible=False,
                                    elem_id="examples")
                # An example is asked as soon as it is clicked: its question fills the box and
                # its answer replaces the last one, in one step.
                settings = [top_k, retrieval, reader, since, until, source]
                examples.input(ask_example, [examples, *settings, correct], [question, summary, cards, as_typed],
                               api_visibility="private").then(None, js=SCROLL_TO_PASSAGE)
                gr.on([question.submit, ask_button.click], show_answer, [question, *settings, correct],
                      [summary, cards, as_typed], api_visibility="private").then(None, js=SCROLL_TO_PASSAGE)
                as_typed.click(show_answer_as_typed, [question, *settings], [summary, cards, as_typed],
                               api_visibility="private").then(None, js=SCROLL_TO_PASSAGE)
            with gr.Tab("Search", id="search"):
                query = gr.Textbox(label="Find passages", placeholder="Words or a question, then Enter", elem_id="query")
                hits = gr.HTML(elem_id="hits")
                query.submit(show_passages, [query, top_k, retrieval, since, until, source], hits,
                             api_visibility="private")
            with gr.Tab("Articles"):
                upload = gr.File(file_count="multiple", file_types=sorted(SUPPORTED_SUFFIXES),
                                 label="Add articles (.txt .md .html .htm .pdf .jsonl)", elem_id="upload")
                replace_existing = gr.Checkbox(False, label="Replace indexed articles that have the same name",
                                               elem_id="replace-existing")
                with gr.Row():
                    upload_title = gr.Textbox(label="Title (one article; blank: from the file)", elem_id="upload-title")
                    upload_date = gr.Textbox(label="Date (YYYY-MM-DD; blank: from the file)", elem_id="upload-date")
                    upload_source = gr.Textbox(label="Source (blank: from the file)", elem_id="upload-source")
                add_button = gr.Button("Add to the index", elem_id="add")
                added = gr.HTML(elem_id="added")
                table = gr.Dataframe([], headers=["id", "title", "date", "source", "chunks", "characters"],
                                     interactive=False, wrap=True,
                                     column_widths=["18%", "38%", "12%", "12%", "8%", "12%"], elem_id="articles")
                to_delete = gr.Dropdown([], label="Article (or click its row in the table)", elem_id="delete-choice")
                with gr.Row(equal_height=True):
                    new_title = gr.Textbox(label="Title", elem_id="new-title", scale=3)
                    new_date = gr.Textbox(label="Date", placeholder="YYYY-MM-DD", elem_id="new-date", scale=1)
                    new_source = gr.Textbox(label="Source", elem_id="new-source", scale=1)
                with gr.Row(equal_height=True):
                    title_button = gr.Button("Save the title, date and source", elem_id="set-title")
                    delete_button = gr.Button("Delete article…", variant="stop", elem_id="delete")
                with gr.Column(visible=False) as confirm_row:
                    delete_question = gr.HTML(elem_id="delete-question")
                    with gr.Row():
                        confirm_button = gr.Button("Yes, delete it", variant="stop", elem_id="delete-confirm")
                        cancel_button = gr.Button("Cancel", elem_id="delete-cancel")
                edited = gr.HTML(elem_id="edited")
                # Uploads and deletions are indexed one at a time (a second waits in the queue)
                # while questions go on against the current index.
                # The progress shows in the result box only: the table stays readable meanwhile. The
                # chosen files are cleared once added, so pressing Add again adds nothing twice.
                add_button.click(add_files, [upload, replace_existing, upload_title, upload_date, upload_source],
                                 [added, table, to_delete, upload],
                                 api_visibility="private", concurrency_limit=1, concurrency_id="indexing",
                                 show_progress_on=[added])
                table.select(pick_row, None, to_delete, api_visibility="private")
                to_delete.change(pick_article, to_delete, [edited, new_title, new_date, new_source, confirm_row],
                                 api_visibility="private")
                delete_button.click(ask_to_delete, to_delete, [edited, delete_question, confirm_row],
                                    api_visibility="private")
                confirm_button.click(delete_article, to_delete, [edited, confirm_row, table, to_delete],
                                     api_visibility="private", concurrency_limit=1, concurrency_id="indexing")
                cancel_button.click(cancel_delete, None, [delete_question, confirm_row], api_visibility="private")
                gr.on([title_button.click, new_title.submit], save_details, [to_delete, new_title, new_date, new_source],
                      [edited, table, to_delete, new_title, new_date, new_source], api_visibility="private",
                      concurrency_limit=1, concurrency_id="indexing", show_progress_on=[edited])
            with gr.Tab("Evaluation"):
                shipped_set = gr.Dropdown([*SHIPPED_QUESTION_SETS, COLLECTION_SET],
                                          value=next(iter(SHIPPED_QUESTION_SETS)), label="Question set",
                                          elem_id="question-set")
                uploaded_set = gr.File(file_types=[".jsonl"], label="…or upload a question file (JSON Lines)",
                                       elem_id="question-upload")
                with gr.Row():
                    run_button = gr.Button("Run the evaluation", elem_id="run-evaluation")
                    baseline_button = gr.Button("Run this collection's own questions and save the run as their "
                                                "baseline", elem_id="save-baseline")
                report = gr.HTML(elem_id="report")
                # The plots appear with the first results (no empty box before), and one progress
                # bar, on the report, says how far the run is.
                plots = gr.Gallery(label="Plots", columns=2, height=420, object_fit="contain", elem_id="plots",
                                   visible=False, preview=False)
                run_button.click(show_evaluation, [shipped_set, uploaded_set], [report, plots], api_visibility="private",
                                 show_progress_on=[report])
                baseline_button.click(save_collection_baseline_now, None, [report, plots], api_visibility="private",
                                      show_progress_on=[report])
        signed_in = service.config.auth is not None or service.config.api_token is not None
        gr.HTML("<p class='qa-footer'><a href='/api/docs' target='_blank'>The HTTP API (/api/v1): its docs</a>"
                + (" · <a href='/logout'>Log out</a>" if signed_in else "") + "</p>", elem_id="footer")
        app.load(when_loaded, None, [status, table, to_delete, examples, filter_facts], api_visibility="private")
        app.load(from_link, [top_k, retrieval, reader, correct],
                 [tabs, question, query, since, until, source, summary, cards, as_typed, hits],
                 api_visibility="private").then(None, js=SCROLL_TO_PASSAGE)
        gr.api(api_ask, api_name="ask")
        gr.api(api_search, api_name="search")
    return app


@contextmanager
def _user_errors_shown(log):
    """A failed API call comes back as the page would say it, not a bare error."""
    try:
        yield
    except Exception as exc:
        raise gr.Error(said(exc, "The request", log), print_exception=False) from None


def _counted(progress):
    """A run's (done, total) progress as Gradio's bar shows it."""
    return lambda done, total: progress((done, total), desc="questions", unit="questions")


def _notes_html(lines: list[str]) -> str:
    first, rest = lines[0], lines[1:]
    items = "".join(f"<li>{render._e(line)}</li>" for line in rest)
    return f"<p>{render._e(first)}</p>" + (f"<ul>{items}</ul>" if items else "")


def theme():
    """Gradio's default look with the system's sans-serif font for all text: its bundled web
    font has only two weights, so bold headings mixed in letters from a fallback font."""
    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                             font_mono=["ui-monospace", "Consolas", "monospace"])


def answer_margin_note(answer_margin: float | None, calibrated_margin: float | None) -> str:
    """What the page says about when the reader declines to answer, with the margin in force."""
    calibrated = f" ({calibrated_margin:g})" if calibrated_margin is not None else ""
    if answer_margin is None:
        in_force = f"more than {calibrated_margin:g}, " if calibrated_margin is not None else ""
        return (f"The reader answers only when its best span beats \"no answer\" by {in_force}the margin calibrated "
                "with it on text it was not trained on. A server started with `--answer-margin` answers more "
                "questions (lower) or fewer (higher).")
    return (f"The reader answers only when its best span beats \"no answer\" by more than {answer_margin:g}, "
            f"the margin this server was started with (`--answer-margin`) instead of the one calibrated with it"
            f"{calibrated}: lower answers more questions, and more of them wrongly.")
