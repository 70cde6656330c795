@testable import FinewsDaemon
import FinewsFetch
import Foundation
import Testing

@Suite("allow_private_networks in feeds.conf")
struct PrivateNetworkConfigTests {
    private func parse(_ text: String) throws(ConfigError) -> Config {
        try Config.parse(text, file: URL(fileURLWithPath: "/srv/feeds.conf"), displayName: "feeds.conf")
    }

    @Test("Off by default: only the feed's own host; [fetch] turns it on, [[feed]] overrides either way")
    func settings() throws {
        let config = try parse("""
            [fetch]
            allow_private_networks = true

            [[feed]]
            name = "all"
            url = "http://10.0.0.5/rss"

            [[feed]]
            name = "own"
            url = "http://intranet.example/rss"
            allow_private_networks = false
            """)
        #expect(config.fetch.allowPrivateNetworks)
        #expect(config.fetch.privateNetworks(for: config.feeds[0]) == .allowed)
        #expect(config.fetch.privateNetworks(for: config.feeds[1]) == .onlyHost(of: "http://intranet.example/rss"))

        let defaults = try parse("[[feed]]\nname = \"a\"\nurl = \"http://a.example/rss\"\n")
        #expect(!defaults.fetch.allowPrivateNetworks)
        #expect(defaults.fetch.privateNetworks(for: defaults.feeds[0]) == .onlyHost(of: "http://a.example/rss"))
    }

    @Test("A typo gets a suggestion; a non-boolean is refused with its line")
    func mistakes() {
        #expect {
            try parse("[[feed]]\nname = \"a\"\nurl = \"http://a.example/rss\"\nallow_private_network = true\n")
        } throws: { error in
            "\(error)" == "feeds.conf:4: unknown key 'allow_private_network' in [[feed]] 'a' — did you mean 'allow_private_networks'?"
        }
        #expect {
            try parse("[fetch]\nallow_private_networks = \"yes\"\n")
        } throws: { error in
            "\(error)" == "feeds.conf:2: 'allow_private_networks' must be true or false, not a string"
        }
    }
}
