/// The text of a URL template cut into literal runs and `{name}` placeholders, with
/// `{{` and `}}` as literal braces: the common syntax of `fulltext_url` and a list
/// source's `item.link`. What a name may be is the caller's to check.
package struct BraceTemplate: Sendable, Hashable {
    /// A run of the template.
    package enum Piece: Sendable, Hashable {
        case literal(String)
        case placeholder(String)
    }

    /// Why a template cannot be cut.
    package enum Problem: Error, Sendable, Hashable {
        /// A `{` with no `}` after it.
        case unclosedBrace
        /// A `}` with no `{` before it.
        case strayBrace
    }

    package let pieces: [Piece]

    /// Cuts `text` into pieces; adjacent literal text is one piece.
    package init(_ text: String) throws(Problem) {
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(text)
        while let first = rest.first {
            if rest.hasPrefix("{{") || rest.hasPrefix("}}") {
                literal.append(first)
                rest = rest.dropFirst(2)
            } else if first == "{" {
                guard let close = rest.firstIndex(of: "}") else { throw .unclosedBrace }
                if !literal.isEmpty { pieces.append(.literal(literal)) }
                literal = ""
                pieces.append(.placeholder(String(rest[rest.index(after: rest.startIndex)..<close])))
                rest = rest[rest.index(after: close)...]
            } else if first == "}" {
                throw .strayBrace
            } else {
                literal.append(first)
                rest = rest.dropFirst()
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        self.pieces = pieces
    }
}
