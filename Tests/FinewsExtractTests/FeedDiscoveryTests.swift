import FinewsExtract
import Testing

@Suite("Feed discovery")
struct FeedDiscoveryTests {
    @Test("Feed-typed alternates in page order, resolved against <base>, each once; other links are not feeds")
    func alternates() {
        let page = """
            <html><head>
            <base href="https://cdn.example/site/">
            <link rel="stylesheet" type="text/css" href="a.css">
            <link rel="alternate" type="application/rss+xml" title=" 全部 文章 " href="rss.xml">
            <link rel="alternate" type="application/json" href="/wp-json/wp/v2/pages/1">
            <link rel="Alternate Feed" type="Application/Atom+XML; charset=utf-8" href="/atom.xml">
            <link rel="alternate" type="application/feed+json" href="https://other.example/feed.json">
            <link rel="alternate" type="application/rss+xml" href="rss.xml">
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            <link rel="alternate" hreflang="en" href="/en/">
            </head><body></body></html>
            """
        let links = FeedDiscovery.alternates(inPage: Array(page.utf8), charset: "utf-8", pageURL: "https://www.example/")
        #expect(links.map(\.url) == [
            "https://cdn.example/site/rss.xml", "https://cdn.example/atom.xml", "https://other.example/feed.json",
        ])
        #expect(links.first?.title == "全部 文章")
        #expect(links.map(\.type) == ["application/rss+xml", "application/atom+xml", "application/feed+json"])
    }

    @Test("The usual paths are tried on the page's own site")
    func commonURLs() {
        #expect(FeedDiscovery.commonURLs(for: "https://www.example:8443/blog/post?id=1#top") == [
            "https://www.example:8443/feed", "https://www.example:8443/rss.xml", "https://www.example:8443/atom.xml",
            "https://www.example:8443/index.xml",
        ])
        #expect(FeedDiscovery.commonURLs(for: "not a url").isEmpty)
    }
}
