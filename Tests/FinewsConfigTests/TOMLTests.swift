@testable import FinewsConfig
import Testing

@Suite("TOML parser")
struct TOMLTests {
    @Test("Tables, arrays of tables, value types and lines")
    func document() throws {
        let root = try TOMLParser.parse("""
            # comment
            title = "a \\"quoted\\" \\u6F2F"   # trailing comment
            literal = 'C:\\path'
            count = 1_000
            hex = 0xff
            ratio = 0.5
            on = true
            list = [1, 2,
              3, ]  # multi-line
            inline = { a = 1, b = "x" }
            multi = \"\"\"
            line one
            line two\"\"\"
            when = 2022-03-02T08:08:45+08:00

            [site]
            output = "site"

            [[feed]]
            name = "one"

            [[feed]]
            name = "two"
            """)
        guard case .string(let title)? = root["title"]?.kind else { Issue.record("title"); return }
        #expect(title == "a \"quoted\" 漯")
        guard case .string(let literal)? = root["literal"]?.kind else { Issue.record("literal"); return }
        #expect(literal == #"C:\path"#)
        guard case .integer(1000)? = root["count"]?.kind, case .integer(255)? = root["hex"]?.kind,
              case .float(0.5)? = root["ratio"]?.kind, case .boolean(true)? = root["on"]?.kind
        else { Issue.record("scalars"); return }
        guard case .array(let list)? = root["list"]?.kind else { Issue.record("list"); return }
        #expect(list.count == 3)
        guard case .string(let multi)? = root["multi"]?.kind else { Issue.record("multi"); return }
        #expect(multi == "line one\nline two")
        guard case .dateTime? = root["when"]?.kind else { Issue.record("date"); return }
        guard case .array(let feeds)? = root["feed"]?.kind else { Issue.record("feeds"); return }
        #expect(feeds.map(\.line) == [19, 22])
        guard case .table(let second) = feeds[1].kind else { Issue.record("feed table"); return }
        #expect(second.entry("name")?.keyLine == 23)
    }

    @Test("A thousand [[feed]] tables, in order, each with its line")
    func manyArrayTables() throws {
        let text = (0..<1_000).map { "[[feed]]\nname = \"f\($0)\"\n" }.joined()
        let root = try TOMLParser.parse(text)
        guard case .array(let feeds)? = root["feed"]?.kind else {
            Issue.record("no array of tables")
            return
        }
        #expect(feeds.count == 1_000)
        guard case .table(let last)? = feeds.last?.kind, case .string(let name)? = last["name"]?.kind else {
            Issue.record("the last feed is not a table with a name")
            return
        }
        #expect(name == "f999")
        #expect(last.line == 1_999)
    }

    /// A table looks its keys up by scanning while it is small and by an index once
    /// it grows: both ways, and the switch between them, find every key.
    @Test("Every key is found in small and large tables, and a repeated key is refused", arguments: [1, 12, 13, 40])
    func tablesOfEverySize(keys: Int) throws {
        let text = "[site]\n" + (0..<keys).map { "key\($0) = \($0)\n" }.joined()
        let root = try TOMLParser.parse(text)
        guard case .table(let site)? = root["site"]?.kind else {
            Issue.record("no [site] table")
            return
        }
        #expect(site.entries.map(\.key) == (0..<keys).map { "key\($0)" })
        for index in 0..<keys {
            guard case .integer(let value)? = site["key\(index)"]?.kind else {
                Issue.record("key\(index) not found among \(keys)")
                continue
            }
            #expect(value == Int64(index))
            #expect(site.entry("key\(index)")?.keyLine == index + 2)
        }
        #expect(site["key\(keys)"] == nil)
        #expect(throws: TOMLError.self) { try TOMLParser.parse(text + "key0 = 1\n") }
        #expect(throws: TOMLError.self) { try TOMLParser.parse(text + "key\(keys - 1) = 1\n") }
    }

    @Test("Syntax errors carry the line", arguments: [
        ("a = 1\nb = \n", 2),
        ("a = 1\na = 2\n", 2),
        ("[t]\nx = 1\n[t]\n", 3),
        ("s = \"open\n", 1),
        ("x = bare\n", 1),
        ("x = 1 y = 2\n", 1),
        ("\n\nlist = [1, 2\n", 3),
        // A statically defined array takes no [[...]] table, even one of tables.
        ("feed = [{ name = \"a\" }]\n[[feed]]\n", 2),
        ("feed = []\n\n[[feed]]\n", 3),
        ("feed = 1\n[[feed]]\n", 2),
    ])
    func errors(text: String, line: Int) {
        #expect { try TOMLParser.parse(text) } throws: { error in
            (error as? TOMLError)?.line == line
        }
    }

    @Test("Dotted keys make a table per [[feed]]; inline tables keep their keys and lines")
    func dottedKeys() throws {
        let root = try TOMLParser.parse("""
            [[feed]]
            item.title = "title"
            item.link = "url"
            "item".date = "showTime"
            headers = { Referer = "https://a.example/", "User-Agent" = "x" }

            [[feed]]
            item.title = "headline"
            """)
        guard case .array(let feeds)? = root["feed"]?.kind, feeds.count == 2,
              case .table(let first) = feeds[0].kind, case .table(let second) = feeds[1].kind,
              case .table(let item)? = first["item"]?.kind, case .table(let otherItem)? = second["item"]?.kind,
              case .table(let headers)? = first["headers"]?.kind
        else { Issue.record("shape"); return }
        #expect(item.entries.map(\.key) == ["title", "link", "date"])
        #expect(item.entries.map(\.keyLine) == [2, 3, 4])
        guard case .string("headline")? = otherItem["title"]?.kind else { Issue.record("second item"); return }
        #expect(otherItem.entries.count == 1, "each [[feed]] has its own item table")
        #expect(headers.entries.map(\.key) == ["Referer", "User-Agent"])
    }

    @Test("Dotted keys follow TOML 1.0's rules on defining tables", arguments: [
        ("item = \"x\"\nitem.title = \"y\"", 2, "already a string"),
        ("item.title = \"x\"\n[item]\nlink = \"y\"", 2, "defined by dotted keys"),
        ("[a.b]\nc = 1\n[a]\nb.d = 2", 4, "defined by a [header]"),
        ("headers = { a = \"1\" }\nheaders.b = \"2\"", 2, "inline table"),
        ("item.title = \"x\"\nitem.title = \"y\"", 2, "defined twice"),
    ])
    func dottedKeyErrors(text: String, line: Int, message: String) {
        #expect {
            _ = try TOMLParser.parse(text)
        } throws: { error in
            guard let error = error as? TOMLError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }

    @Test("Sub-tables may still be added below a table made by dotted keys")
    func subTableOfDottedTable() throws {
        let root = try TOMLParser.parse("[fruit]\napple.color = \"red\"\n[fruit.apple.texture]\nsmooth = true\n")
        guard case .table(let fruit)? = root["fruit"]?.kind, case .table(let apple)? = fruit["apple"]?.kind,
              case .table(let texture)? = apple["texture"]?.kind, case .boolean(true)? = texture["smooth"]?.kind
        else { Issue.record("shape"); return }
    }
}
