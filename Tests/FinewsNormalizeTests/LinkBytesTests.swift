@testable import FinewsNormalize
import Testing

/// The byte paths of link normalization and link keys give what the character
/// paths give for every ASCII link: an infoCode is a hash of the normalized link
/// and a key is stored as an alias, so neither may change for any link.
@Suite("Links on bytes: the same as by characters")
struct LinkBytesTests {
    /// Links that exercise every rule: spaces and controls at the ends, fragments,
    /// empty and repeated `&`, `utm_` in any case, `://` after the query, no scheme,
    /// ports, user info, home pages in any case, and control bytes in the path.
    static let links: [String] = {
        var links = [
            "", " ", "\t\r\n", "http://example.com", "http://example.com/", "HTTP://Example.COM/Path?a=1&utm_source=x#top",
            "  https://EXAMPLE.com/a/b.html?x=1&&y=2&  \n", "https://example.com/?", "https://example.com/?#",
            "https://example.com/p?utm_=1&UTM_x=2&Utm_y&utmz=3&u=4", "https://example.com/p?utm", "example.com/A?b=C",
            "mailto:Someone@Example.COM", "HTTPS://user:Pass@Host.Example:8080/Index.HTML", "http://h/INDEX.HTML?x",
            "http://h/index.shtml", "http://h/index.htm#a", "http://h/index\u{0E}html", "http://h/index.php?",
            "http://h/index.phpx", "https:///path", "http:/one/slash", "ftp://Host/File", "http://H/a#b?c=d",
            "http://h/a?b=c#d&utm_e=f", "http://h/a?x=http://Other/B", "a://b://C/D", "://", "?", "#", "&",
            "http://h/a?&&&", "http://h/a?utm_a&utm_b", "\u{0B}http://H/x\u{0C}", "http://h/%E4%B8%AD?q=%20",
            "http://h/a\r\nb", "http://h/a b?c d&e f",
        ]
        // Every ASCII byte in each position of a short link.
        for byte in UInt8(0)...UInt8(0x7F) {
            let character = String(UnicodeScalar(byte))
            links.append("http://H\(character)/i\(character)ndex.html?\(character)utm_x=1&a\(character)#\(character)")
            links.append("\(character)https://h/\(character)")
        }
        return links
    }()

    @Test("normalizedLink: bytes and characters agree on ASCII links")
    func normalizedLinks() {
        for link in Self.links {
            var copy = link
            let bytes = copy.withUTF8 { InfoCodeAssigner.normalizedASCIILink($0) }
            #expect(bytes == InfoCodeAssigner.normalizedLinkByCharacters(link), "\(link.debugDescription)")
        }
    }

    @Test("linkKey: bytes and characters agree on ASCII links")
    func linkKeys() {
        for link in Self.links {
            let normalized = InfoCodeAssigner.normalizedLinkByCharacters(link)
            #expect(StoryKeys.linkKey(link) == StoryKeys.linkKeyByCharacters(normalized), "\(link.debugDescription)")
        }
    }

    @Test("A link that is not ASCII goes by characters")
    func nonASCII() {
        var link = "http://例子.测试/新闻?utm_source=x&a=1"
        #expect(link.withUTF8 { InfoCodeAssigner.normalizedASCIILink($0) } == nil)
        #expect(InfoCodeAssigner.normalizedLink(link) == "http://例子.测试/新闻?a=1")
        #expect(StoryKeys.linkKey(link) == "link:例子.测试/新闻?a=1")
    }
}
