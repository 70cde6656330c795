@testable import FinewsConfig
import Foundation
import Testing

@Suite("feeds.conf: [state]")
struct StateConfigTests: ConfigParsing {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("finews-state-config-\(UUID().uuidString)")
    var configFile: URL { folder.appendingPathComponent("feeds.conf") }

    @Test("Unset, the state is the SQLite file")
    func defaults() throws {
        let config = try parse("[site]\noutput = \"out\"\n")
        #expect(config.state.database == nil)
        #expect(config.state.publish)
        #expect(config.state.lease == 120)
    }

    @Test("Every key, read; the password comes from its file")
    func everyKey() throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "s3cret\n".write(to: folder.appendingPathComponent("pgpass"), atomically: true, encoding: .utf8)
        let config = try parse("""
            [state]
            database = "postgresql://finews@db.internal:5432/finews"
            password_file = "pgpass"
            node = "web-1"
            lease = "45s"
            publish = false
            """)
        #expect(config.state.database == "postgresql://finews@db.internal:5432/finews")
        #expect(config.state.password == "s3cret")
        #expect(config.state.node == "web-1")
        #expect(config.state.lease == 45)
        #expect(!config.state.publish)
    }

    @Test("A node without [site] output only fetches; asking it to publish is refused")
    func nodeWithoutSite() throws {
        let fetcher = try parse("[state]\ndatabase = \"postgresql://db/finews\"\n")
        #expect(!fetcher.state.publish)
        let publisher = try parse("[site]\noutput = \"/srv/site\"\n[state]\ndatabase = \"postgresql://db/finews\"\n")
        #expect(publisher.state.publish)
        #expect(problems("[state]\ndatabase = \"postgresql://db/finews\"\npublish = true\n")
            == ["feeds.conf:3: publish = true in [state] needs the site this node writes: "
                + "set output in [site], or leave publish out for a node that only fetches"])
    }

    @Test("Mistakes are named by line, with what to write")
    func mistakes() {
        #expect(problems("[state]\ndatabase = \"sqlite:///var/finews.db\"\n")
            == ["feeds.conf:2: database in [state] must be a PostgreSQL URL such as "
                + "\"postgresql://finews@db.internal:5432/finews\"; leave it out for the SQLite file in <output>/.finews"])
        #expect(problems("[state]\ndatabase = \"postgresql://db/f\"\nlease = \"1s\"\n")
            == ["feeds.conf:3: 'lease' in [state] must be from 5s to 1h"])
        #expect(problems("[state]\ndatabse = \"postgresql://db/f\"\n").first?.contains("did you mean 'database'?") == true)
        #expect(problems("[state]\nnode = \"web 1\"\n").count == 2)
        #expect(problems("[state]\npublish = false\n")
            == ["feeds.conf:1: node, lease and publish in [state] only apply with a PostgreSQL database = \"postgresql://...\""])
    }

    @Test("What a shared database does not support yet is refused, naming the key; [dedupe] similar is supported")
    func unsupportedWithDatabase() throws {
        let problems = problems("""
            [site]
            archive_after = "30d"
            [dedupe]
            similar = "skip"
            [state]
            database = "postgresql://db/finews"
            """)
        #expect(problems.count == 1)
        #expect(problems.contains { $0.contains("[site] archive_after is not supported yet with a PostgreSQL") })
        #expect(!problems.contains { $0.contains("[dedupe]") })
        let config = try parse("""
            [dedupe]
            similar = "mark"
            window = "1d"
            [state]
            database = "postgresql://db/finews"
            """)
        #expect(config.dedupe.mode == .mark && config.dedupe.window == 86_400)
    }
}
