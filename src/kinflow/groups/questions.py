"""The questions of an action and the answers of a response (actions_post.md, action_responses.md).

A question is `{title, type, isInvisible, options[{title}]}`; `type` is one of Kaizala's question
types. A response answers every question by its index (`answers`, Kaizala's samples also spell it
`Answers`): a string for Text and SingleOption (an option's title), a list of option titles for
MultiOption, a number for Numeric and Date/DateTime (epoch milliseconds), a location `{lt, lg, n}`
(or `{latitude, longitude, name}`) for Location, a `mediaResource` for Image and a list of them for
AttachmentList; `null` leaves a question unanswered.

Answers are kept as checked (media by their stored ids) and shown as the event-schema page's
`responseWithQuestions` items, media as `{mediaUrl, mediaFileName}`."""

from __future__ import annotations

import math
from collections.abc import Callable

from sqlalchemy.engine import Connection

from kinflow.groups import media
from kinflow.groups.errors import bad_input, flag

TYPES = ("SingleOption", "MultiOption", "Text", "Image", "Numeric", "Date", "DateTime", "Location", "AttachmentList")
CHOICE_TYPES = ("SingleOption", "MultiOption")
MAX_QUESTIONS = 100
MAX_OPTIONS = 50
MAX_TITLE = 1000
MAX_ANSWER = 4000


def canonical(body: dict, names: tuple[str, ...]) -> dict:
    """The body with each key that matches one of `names` but for case spelled as in `names`:
    Kaizala read its JSON without regard to case, and its own samples mix `Message` and `message`."""
    spelled = {name.lower(): name for name in names}
    return {spelled.get(key.lower(), key) if isinstance(key, str) else key: value for key, value in body.items()}


def title_of(value: object, field: str, limit: int = MAX_TITLE) -> str:
    if not isinstance(value, str) or not value.strip():
        raise bad_input(field, "Required field (a string).")
    if len(value) > limit:
        raise bad_input(field, f"Enter at most {limit} characters.")
    return value


def options_of(value: object, field: str) -> list[dict]:
    if not isinstance(value, list) or not 2 <= len(value) <= MAX_OPTIONS:
        raise bad_input(field, f"Enter 2 to {MAX_OPTIONS} options, each an object with a title.")
    titles = []
    for index, option in enumerate(value):
        if not isinstance(option, dict):
            raise bad_input(f"{field}[{index}]", "Enter an object with a title.")
        titles.append(title_of(canonical(option, ("title",)).get("title"), f"{field}[{index}].title"))
    if len(set(titles)) < len(titles):
        raise bad_input(field, "Each option has its own title.")
    return [{"title": title} for title in titles]


def questions_of(value: object, field: str = "questions") -> list[dict]:
    """The checked questions of a survey (or of a custom action package's app model)."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_QUESTIONS:
        raise bad_input(field, f"Enter 1 to {MAX_QUESTIONS} questions.")
    checked = []
    for index, question in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(question, dict):
            raise bad_input(where, "Enter an object with title and type.")
        question = canonical(question, ("title", "type", "isInvisible", "options"))
        kind = question.get("type")
        if kind not in TYPES:
            raise bad_input(f"{where}.type", f"Enter one of {', '.join(TYPES)}.")
        checked.append({"title": title_of(question.get("title"), f"{where}.title"), "type": kind,
                        "isInvisible": flag(question.get("isInvisible"), f"{where}.isInvisible"),
                        "options": options_of(question.get("options"), f"{where}.options")
                        if kind in CHOICE_TYPES else []})
    return checked


def _number(value: object, where: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or abs(value) > 1e15:
        raise bad_input(where, "Enter a number.")
    return value


def _location(value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise bad_input(where, "Enter a location {lt, lg, n}.")
    value = canonical(value, ("lt", "lg", "n", "latitude", "longitude", "name"))
    short = "lt" in value or "lg" in value  # the Swagger's Answer, or the docs' location object
    lt, lg, n = ("lt", "lg", "n") if short else ("latitude", "longitude", "name")
    latitude, longitude = _number(value.get(lt), f"{where}.{lt}"), _number(value.get(lg), f"{where}.{lg}")
    if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
        raise bad_input(where, "A latitude is within ±90 and a longitude within ±180.")
    name = value.get(n) or ""
    if not isinstance(name, str) or len(name) > MAX_TITLE:
        raise bad_input(f"{where}.{n}", f"Enter a name of at most {MAX_TITLE} characters.")
    return {"lt": latitude, "lg": longitude, "n": name}


def location_of(value: object, where: str = "responseLocation") -> dict:
    return _location(value, where)


def _text(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise bad_input(where, "Enter a string.")
    if len(value) > MAX_ANSWER:
        raise bad_input(where, f"Enter at most {MAX_ANSWER} characters.")
    return value


def _choice(value: object, titles: list[str], where: str) -> str:
    if value not in titles:
        raise bad_input(where, f"Enter one of the options: {', '.join(titles)[:300]}.")
    return value  # type: ignore[return-value]


def _files(conn: Connection, resources: list, where: str) -> list[str]:
    ids: list[str] = []
    for index, resource in enumerate(resources):
        ids.extend(f.id for f in media.files_of(conn, resource, f"{where}[{index}]"))
    if len(ids) > media.MAX_FILES:
        raise bad_input(where, f"Attach at most {media.MAX_FILES} files.")
    return ids


def _answer(conn: Connection, question: dict, value: object, where: str) -> object:
    kind = question["type"]
    titles = [option["title"] for option in question["options"]]
    if kind == "Text":
        return _text(value, where)
    if kind == "SingleOption":
        return _choice(value, titles, where)
    if kind == "MultiOption":
        if not isinstance(value, list) or not value or len(value) > len(titles):
            raise bad_input(where, "Enter a list of one or more of the options.")
        chosen = [_choice(item, titles, where) for item in value]
        return [title for title in titles if title in chosen]  # in the question's order, once each
    if kind in ("Numeric", "Date", "DateTime"):
        return _number(value, where)
    if kind == "Location":
        return _location(value, where)
    if kind == "Image":
        files = media.files_of(conn, value, where)
        if len(files) != 1 or files[0].kind != "Image":
            raise bad_input(where, "Enter the mediaResource of one image.")
        return [files[0].id]
    if not isinstance(value, list) or not value:  # AttachmentList
        raise bad_input(where, "Enter a list of mediaResources.")
    return _files(conn, value, where)


def answers_of(conn: Connection, questions: list[dict], value: object, field: str = "answers") -> list:
    """The checked answers to these questions, by index."""
    if not isinstance(value, list) or len(value) != len(questions):
        raise bad_input(field, f"Enter a list of {len(questions)} answers, one per question (null for none).")
    return [None if answer is None else _answer(conn, question, answer, f"{field}[{index}]")
            for index, (question, answer) in enumerate(zip(questions, value))]


def with_answers(questions: list[dict], answers: list, link: Callable[[str], dict]) -> list[dict]:
    """`responseWithQuestions`: each question with its answer; `link(media_id)` shows a file."""
    shown = []
    for question, answer in zip(questions, answers):
        if question["type"] == "Image" and answer is not None:
            answer = link(answer[0])
        elif question["type"] == "AttachmentList" and answer is not None:
            answer = [link(media_id) for media_id in answer]
        shown.append({**question, "answer": answer})
    return shown


def summary(questions: list[dict], all_answers: list[list]) -> list[dict]:
    """How many responses chose each option of the choice questions, and answered each question."""
    result = []
    for index, question in enumerate(questions):
        given = [answers[index] for answers in all_answers if index < len(answers) and answers[index] is not None]
        item = {"title": question["title"], "type": question["type"], "answerCount": len(given)}
        if question["type"] in CHOICE_TYPES:
            counts = {option["title"]: 0 for option in question["options"]}
            for answer in given:
                for title in answer if isinstance(answer, list) else [answer]:
                    if title in counts:
                        counts[title] += 1
            item["options"] = [{"title": title, "count": count} for title, count in counts.items()]
        result.append(item)
    return result
