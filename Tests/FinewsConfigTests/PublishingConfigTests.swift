@testable import FinewsConfig
import Foundation
import Testing

@Suite("feeds.conf: [hooks], [metrics], [post]")
struct PublishingConfigTests: ConfigParsing {
    let file = URL(fileURLWithPath: "/srv/news/feeds.conf")
    var configFile: URL { file }


    @Test("Unset, nothing runs, nothing is measured, posts are the reference posts")
    func defaults() throws {
        let config = try parse("[site]\noutput = \"out\"\n")
        #expect(config.hooks.afterWrite == nil)
        #expect(config.hooks.timeout == 120)
        #expect(!config.metrics.isEnabled)
        #expect(config.post.frontMatter.isEmpty)
        #expect(config.post.dateFormat == .reference)
    }

    @Test("Every key, read")
    func everyKey() throws {
        let config = try parse("""
            [hooks]
            after_write = "git -C /srv/site add -A && git -C /srv/site commit -qm 'finews: {new} new'"
            timeout = "90s"

            [metrics]
            listen = "[::1]:9464"
            textfile = "prom/finews.prom"

            [post]
            front_matter = ["image", "author", "original_url", "description", "last_modified_at", "infocode"]
            date_format = "rfc3339"
            """)
        #expect(config.hooks.afterWrite == "git -C /srv/site add -A && git -C /srv/site commit -qm 'finews: {new} new'")
        #expect(config.hooks.timeout == 90)
        #expect(config.metrics.listen == Config.ListenAddress(parsing: "[::1]:9464"))
        #expect(config.metrics.listen?.host == "::1")
        #expect(config.metrics.listen?.port == 9464)
        #expect(config.metrics.textfile?.path == "/srv/news/prom/finews.prom")
        #expect(config.post.frontMatter == [.image, .author, .originalURL, .description, .lastModifiedAt, .infocode])
        #expect(config.post.dateFormat == .rfc3339)
    }

    @Test("Listen addresses", arguments: [
        ("127.0.0.1:9464", "127.0.0.1", 9464), ("localhost:0", "127.0.0.1", 0), ("[::1]:80", "::1", 80),
        ("0.0.0.0:9464", "0.0.0.0", 9464),
    ])
    func listen(text: String, host: String, port: Int) throws {
        let address = try #require(Config.ListenAddress(parsing: text))
        #expect(address.host == host)
        #expect(Int(address.port) == port)
    }

    @Test("Malformed listen addresses", arguments: ["9464", "127.0.0.1", "example.com:9464", "127.0.0.1:99999",
                                                     "::1:9464", "[::1]9464", "127.0.0.1:", "1.2.3:80"])
    func badListen(text: String) {
        #expect(Config.ListenAddress(parsing: text) == nil)
    }

    @Test("Mistakes name the line and the likely fix", arguments: [
        ("[hooks]\naftr_write = \"x\"", "feeds.conf:2: unknown key 'aftr_write' in [hooks] — did you mean 'after_write'?"),
        ("[hooks]\nafter_write = \" \"", "feeds.conf:2: after_write in [hooks] is empty"),
        ("[hooks]\ntimeout = \"2 minutes\"", "feeds.conf:2: 'timeout' must be a duration such as \"90s\""),
        ("[hooks]\ntimeout = \"0\"", "feeds.conf:2: 'timeout' in [hooks] must be at least 1s"),
        ("[metrics]\nlisten = \"9464\"", "feeds.conf:2: listen '9464' in [metrics] must be an IP address and port"),
        ("[metrics]\nlistn = \"127.0.0.1:9464\"", "feeds.conf:2: unknown key 'listn' in [metrics] — did you mean 'listen'?"),
        ("[metrics]\ntextfile = \"/var/lib/node_exporter/finews.txt\"", "feeds.conf:2: textfile '/var/lib/node_exporter/finews.txt' in [metrics] must end in .prom"),
        ("[post]\nfront_matter = [\"autor\"]", "feeds.conf:2: unknown field 'autor' in [post] front_matter — did you mean 'author'?"),
        ("[post]\nfront_matter = [\"summary_text_x\"]", "feeds.conf:2: unknown field 'summary_text_x' in [post] front_matter; the fields are author, original_url"),
        ("[post]\nfront_matter = \"author\"", "feeds.conf:2: 'front_matter' in [post] must be a list of field names"),
        ("[post]\nfront_matter = [\"image\", \"image\"]", "feeds.conf:2: 'image' is listed twice in [post] front_matter"),
        ("[post]\ndate_format = \"rfc339\"", "feeds.conf:2: unknown date_format 'rfc339' in [post] — did you mean 'rfc3339'?"),
        ("[post]\ndates = \"rfc3339\"", "feeds.conf:2: unknown key 'dates' in [post]"),
        ("[hook]\nafter_write = \"x\"", "feeds.conf:1: unknown key 'hook' at the top level — did you mean 'hooks'?"),
    ])
    func mistakes(text: String, expected: String) {
        let found = problems(text)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasPrefix(expected) == true, "\(found)")
    }
}
