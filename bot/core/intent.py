"""Whether a reply in a recap's thread is addressed to Recap: a question, a request, a mention.

Pure: standard library only. People also chat in a recap's thread ("thanks!", "+1", "see you
tomorrow"); answering every line would spam the thread and spend LLM calls. So Recap answers
an @mention, a question (a trailing "?" or a question word first) or a request (an imperative
first: "list", "summarize", "tell me", "can you" ...), English only. It looks at a few leading
words and the last character, so the cost does not grow with the reply.
"""

from __future__ import annotations

QUESTION_WORDS = frozenset(
    "what who whom whose when where why how which is are was were did does any anyone "
    "anything whats who's what's when's where's how's".split()
)
REQUEST_WORDS = frozenset(
    "list summarize summarise show give tell explain translate make rewrite shorten expand "
    "repeat describe find quote extract compare write draft outline highlight recap remind "
    "clarify elaborate detail name count sum".split()
)
ASKING_VERBS = frozenset("can could would will".split())
ASKED = frozenset("you u we i".split())
# Words that may open a request without changing it: "hey Recap, please list ...".
OPENERS = frozenset("hey hi hello ok okay so and also then now please pls recap @recap".split())
EXCLAIMED = frozenset("a an".split())  # "what a day!", "what an idea!"
_PUNCTUATION = ",.:;!¡¿-–—\"'“”‘’()[]"
_LOOK = 200  # characters read from the start: enough for the opening words


def is_addressed(text: str, *, mentioned: bool) -> bool:
    """True when Recap should answer this thread reply."""
    if mentioned:
        return True
    stripped = text.strip()
    if not stripped:
        return False
    if stripped.endswith("?"):
        return True
    words = [w.strip(_PUNCTUATION) for w in stripped[:_LOOK].lower().split()[:12]]
    words = [w for w in words if w]
    while words and words[0] in OPENERS:
        words.pop(0)
    if not words:
        return False
    first, second = words[0], words[1] if len(words) > 1 else ""
    if first in QUESTION_WORDS:
        return not (first in ("what", "how") and second in EXCLAIMED)
    if first in ASKING_VERBS:
        return second in ASKED
    return first in REQUEST_WORDS
