"""index.html: every saved figure under its section with a caption; only files that exist."""
import html
import os

SECTIONS = ["Dimensionality", "Decoding", "Geometry", "Pseudo-populations",
            "Summaries across sessions and animals"]


def write_index(out_dir, results, header, entries):
    present = [e for e in entries if os.path.isfile(os.path.join(out_dir, e[1]))]
    order = SECTIONS + sorted({e[0] for e in present} - set(SECTIONS))
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>neuropop report: {html.escape(os.path.basename(results))}</title>",
        "<style>body{font-family:sans-serif;max-width:1200px;margin:auto;padding:1em;"
        "color:#222}figure{margin:1.5em 0;border-top:1px solid #ddd;padding-top:.8em}"
        "img{max-width:100%;height:auto}figcaption{font-size:.9em;line-height:1.4}"
        "nav a{margin-right:1em}code{background:#f4f4f4}</style>",
        "</head>", "<body>",
        f"<h1>neuropop report: <code>{html.escape(results)}</code></h1>",
        f"<p>{html.escape(header)}</p>",
    ]
    used = [s for s in order if any(e[0] == s for e in present)]
    if used:
        parts.append("<nav>" + "".join(
            f'<a href="#{anchor(s)}">{html.escape(s)}</a>' for s in used) + "</nav>")
    else:
        parts.append("<p>The results file holds no analysis this report draws.</p>")
    for section in used:
        parts.append(f'<h2 id="{anchor(section)}">{html.escape(section)}</h2>')
        for _, file_name, title, caption in (e for e in present if e[0] == section):
            src = html.escape(file_name, quote=True)
            parts += ["<figure>", f'<a href="{src}"><img src="{src}" alt="{html.escape(title)}">'
                      "</a>", f"<figcaption><b>{html.escape(title)}.</b> "
                      f"{html.escape(caption)}</figcaption>", "</figure>"]
    parts += ["</body>", "</html>", ""]
    path = os.path.join(out_dir, "index.html")
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(parts))
    return path


def anchor(section):
    return "".join(c if c.isalnum() else "-" for c in section.lower())
