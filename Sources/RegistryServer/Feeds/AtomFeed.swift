/// An Atom feed (RFC 4287) as text: a plain value rendered in one place, escaped as XML.
struct AtomFeed {
    struct Entry {
        var id: String
        var title: String
        var updated: String
        var link: String
        var summary: String
        var category: String
    }

    var id: String
    var title: String
    var updated: String
    /// The feed's own address (`rel="self"`) and the page it follows (`rel="alternate"`).
    var selfLink: String
    var pageLink: String
    var entries: [Entry]

    /// The page escaping (it is XML's too), after dropping the control characters XML 1.0 has
    /// no place for (the registry refuses them in input; this keeps a feed well-formed anyway).
    static func escape(_ text: String) -> String {
        var kept = String.UnicodeScalarView()
        kept.append(contentsOf: text.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\t" || $0 == "\n" || $0 == "\r" })
        return HTMLEscaping.escape(String(kept))
    }

    var xml: String {
        let e = Self.escape
        var text = """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom">
        <id>\(e(id))</id>
        <title>\(e(title))</title>
        <updated>\(e(updated))</updated>
        <author><name>Portfolio Registry</name></author>
        <link rel="self" type="application/atom+xml" href="\(e(selfLink))"/>
        <link rel="alternate" type="text/html" href="\(e(pageLink))"/>

        """
        for entry in entries {
            text += """
            <entry>
            <id>\(e(entry.id))</id>
            <title>\(e(entry.title))</title>
            <updated>\(e(entry.updated))</updated>
            <link rel="alternate" type="text/html" href="\(e(entry.link))"/>
            <category term="\(e(entry.category))"/>
            <summary>\(e(entry.summary))</summary>
            </entry>

            """
        }
        return text + "</feed>\n"
    }
}
