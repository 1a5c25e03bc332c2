#!/usr/bin/env python3
"""Checks that Cocktail's bundled chat templates give mergekit's prompts.

Usage: scripts/chat-templates.py MERGEKIT/mergekit/_data/chat_templates

Renders both sets with jinja2 as transformers sets it up (trim_blocks, lstrip_blocks, loopcontrols,
raise_exception) over a few conversations, with and without the generation prompt, and prints the
templates whose prompts (or whether they fail) differ. Needs jinja2; not part of the build.
"""
import pathlib, sys
import jinja2, jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

OURS = pathlib.Path(__file__).resolve().parent.parent / "merge/src/main/resources/dev/cocktail/merge/chat_templates"


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
env.globals["raise_exception"] = raise_exception


def msg(role, content):
    return {"role": role, "content": content}


S, E = msg("system", " Be brief. "), msg("system", "")
U, A, C, T = (lambda c: msg("user", c)), (lambda c: msg("assistant", c)), msg("user_context", "ctx\n"), msg("tool", "t ")
CONVERSATIONS = [[], [U("hi")], [S, U("hi")], [U(" hi "), A(" yo\n")], [S, U("a"), A("b"), U("c")], [U("a"), C, A("b")],
                 [S, msg("system", "second"), U("q")], [A("first")], [U("a"), U("b")], [T], [S], [U("a"), T], [T, U("a")],
                 [E, U("x"), A("y"), U("z"), A(" w ")], [S, A("x")], [U("a"), A("b"), S], [C], [C, U("q")],
                 [U("\n x \n"), A("\n"), U("")]]


def prompts(path):
    template = env.from_string(path.read_text())
    out = []
    for conversation in CONVERSATIONS:
        for generation in (False, True):
            try:
                out.append(template.render(messages=conversation, add_generation_prompt=generation, bos_token="<s>", eos_token="</s>"))
            except jinja2.exceptions.TemplateError as e:
                out.append("fails: " + type(e).__name__)
    return out


def main():
    theirs = pathlib.Path(sys.argv[1])
    differ = 0
    for ours in sorted(OURS.glob("*.jinja")):
        a, b = prompts(theirs / ours.name), prompts(ours)
        bad = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        print(f"{ours.stem}: {len(a) - len(bad)} of {len(a)} prompts the same")
        differ += len(bad)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
