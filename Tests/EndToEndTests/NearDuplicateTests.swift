import Foundation
import Testing

/// Near-duplicates across outlets (`[dedupe] similar`): the same wire story from
/// several feeds, each with its own link, headline, byline and source line.
@Suite("Near-duplicates across outlets, end to end")
struct NearDuplicateTests {
    /// Three wire stories, each as three outlets publish it.
    private static let stories: [(title: String, paragraphs: [String])] = [
        ("我国首条跨海高铁全线贯通", [
            "记者从国铁集团获悉，福厦高铁泉州湾跨海大桥今天完成最后一段箱梁架设，标志着我国首条跨海高铁全线贯通。",
            "福厦高铁北起福州，南至厦门和漳州，线路全长277公里，设计时速350公里，是国家沿海高速铁路通道的重要组成部分。",
            "泉州湾跨海大桥全长20.3公里，其中海上段长约9公里。建设者克服了台风频发、海水腐蚀等困难，创新采用了多项桥梁施工技术。",
            "全线开通运营后，福州至厦门将实现一小时生活圈，对促进海峡西岸经济区发展具有重要意义。",
        ]),
        ("今年夏粮总产量再创历史新高", [
            "国家统计局今天发布的数据显示，今年全国夏粮总产量14948万吨，比上年增加123万吨，增长0.8%，再创历史新高。",
            "分品种看，小麦产量13822万吨，比上年增加100万吨。夏粮播种面积26613千公顷，单位面积产量每公顷5617公斤。",
            "国家统计局农村司负责人表示，各地区各部门认真落实粮食安全责任，加大对粮食生产的支持力度，夏粮生产克服了干旱等不利影响。",
            "专家指出，夏粮丰收为稳定全年粮食生产奠定了坚实基础，也为稳物价、保民生提供了有力支撑。",
        ]),
        ("漯河市举办首届食品博览会", [
            "11月15日，首届中国（漯河）食品博览会在漯河国际会展中心开幕，来自全国20多个省份的600余家食品企业参展。",
            "本届博览会以品质食品、美好生活为主题，设置肉制品、休闲食品、饮品、预制菜等8个展区，展览面积3.5万平方米。",
            "开幕式上，共签约食品产业项目46个，总投资286亿元，涉及冷链物流、功能食品、食品装备等领域。",
            "漯河是全国重要的食品产业基地，食品产业年营业收入超过2000亿元，被誉为中国食品名城。",
        ]),
    ]

    /// The outlets: how each decorates a story.
    private static let outlets: [(name: String, host: String, headline: String, byline: String, source: String)] = [
        ("wire", "wire.example", "", "", ""),
        ("daily", "daily.example", "（图）", "<p>新华社北京3月2日电（记者 王某）</p>", "<p>（文章来源：漯河日报）</p>"),
        ("evening", "evening.example", "：最新消息", "<p>本报讯（记者 李明 通讯员 赵亮）</p>", "<p>责任编辑：刘洋</p>"),
    ]

    private static func feed(outlet: Int, extra: String = "") -> String {
        let decoration = outlets[outlet]
        let items = stories.enumerated().map { number, story in
            let body = decoration.byline + story.paragraphs.map { "<p>\($0)</p>" }.joined() + decoration.source + extra
            return """
                <item><title>\(story.title)\(decoration.headline)</title>
                <link>https://\(decoration.host)/2022/03/02/\(number).html</link>
                <guid isPermaLink="false">\(decoration.name)-\(number)</guid>
                <pubDate>Wed, 02 Mar 2022 \(8 + outlet):08:45 +0800</pubDate>
                <description><![CDATA[\(body)]]></description></item>
                """
        }.joined(separator: "\n")
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0"><channel><title>\(decoration.name)</title><link>https://\(decoration.host)/</link>
            \(items)
            </channel></rss>
            """
    }

    private func site(similar: String?) throws -> SeedSite {
        let site = try SeedSite()
        for index in Self.outlets.indices { try site.write("\(Self.outlets[index].name).xml", Self.feed(outlet: index)) }
        try site.writeConfig("n.conf", feeds: Self.outlets.map { ($0.name, "\($0.name).xml") })
        if let similar {
            let config = try String(decoding: site.read("n.conf"), as: UTF8.self)
            try site.write("n.conf", "[dedupe]\nsimilar = \"\(similar)\"\nwindow = \"3d\"\nthreshold = 0.85\n\n" + config)
        }
        return site
    }

    private func posts(_ site: SeedSite) throws -> [String: String] {
        var posts: [String: String] = [:]
        for path in site.publishedFiles() where path.hasPrefix("_posts/") {
            posts[path] = try String(decoding: site.read("out/\(path)"), as: UTF8.self)
        }
        return posts
    }

    private func frontMatter(_ post: String) -> [String] {
        Array(post.components(separatedBy: "\n").dropFirst().prefix { $0 != "---" })
    }

    @Test("skip: three feeds carrying copies of the same stories give one post each; a rerun writes nothing")
    func skip() async throws {
        let site = try site(similar: "skip")
        let run = try await runFinews(["refresh", "--config", "n.conf"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("3 new posts, 0 updated"), "\(run.stdout)")
        #expect(run.stdout.contains("6 similar skipped"), "\(run.stdout)")
        let written = try posts(site)
        #expect(written.count == 3, "\(written.keys.sorted())")
        // The first outlet's versions are the ones written.
        #expect(written.values.allSatisfy { $0.contains("wire.example") && !$0.contains("duplicate_of") })

        let again = try await runFinews(["refresh", "--config", "n.conf"], in: site.folder)
        #expect(again.stdout.contains("0 new posts, 0 updated"), "\(again.stdout)")
        #expect(try posts(site) == written)

        // A copy's own update (another source line) does not bring it back.
        try site.write("daily.xml", Self.feed(outlet: 1, extra: "<p>来源：人民网</p>"))
        let update = try await runFinews(["refresh", "--config", "n.conf"], in: site.folder)
        #expect(update.stdout.contains("0 new posts, 0 updated"), "\(update.stdout)")
        #expect(try posts(site) == written)

        let status = try await runFinews(["status", "--config", "n.conf", "--json"], in: site.folder)
        #expect(status.status == 0, "stderr: \(status.stderr)")
        #expect(status.stdout.contains("\"similar\" : 3") || status.stdout.contains("\"similar\":3"), "\(status.stdout)")
    }

    @Test("skip across refreshes: copies that arrive in a later refresh are found among the stories the state holds")
    func skipAcrossRefreshes() async throws {
        let site = try site(similar: "skip")
        let full = try String(decoding: site.read("n.conf"), as: UTF8.self)
        // The first refresh reads only the wire; the outlets' feeds are added afterwards.
        try site.writeConfig("only-wire.conf", feeds: [("wire", "wire.xml")])
        let wireOnly = try String(decoding: site.read("only-wire.conf"), as: UTF8.self)
        try site.write("n.conf", "[dedupe]\nsimilar = \"skip\"\nwindow = \"3d\"\nthreshold = 0.85\n\n" + wireOnly)
        let first = try await runFinews(["refresh", "--config", "n.conf"], in: site.folder)
        #expect(first.stdout.contains("3 new posts, 0 updated"), "\(first.stdout) \(first.stderr)")
        let written = try posts(site)

        try site.write("n.conf", full)
        // One story of the daily is its own: it is written.
        let own = """
            <item><title>本市今冬首场降雪</title><link>https://daily.example/2022/03/02/own.html</link>
            <guid isPermaLink="false">daily-own</guid><pubDate>Wed, 02 Mar 2022 10:08:45 +0800</pubDate>
            <description><![CDATA[<p>今天凌晨起，本市迎来今冬首场降雪，气象部门发布道路结冰黄色预警，提醒市民注意出行安全，学校推迟一小时上课。</p>
            <p>环卫部门出动除雪车辆三百余台次，主干道积雪已基本清除，公交地铁运行正常。</p>]]></description></item>
            """
        try site.write("daily.xml", Self.feed(outlet: 1).replacingOccurrences(of: "</channel>", with: own + "</channel>"))
        let second = try await runFinews(["refresh", "--config", "n.conf"], in: site.folder)
        #expect(second.status == 0, "stderr: \(second.stderr)")
        #expect(second.stdout.contains("1 new post, 0 updated"), "\(second.stdout)")
        #expect(second.stdout.contains("6 similar skipped"), "\(second.stdout)")
        let after = try posts(site)
        #expect(after.count == 4)
        #expect(written.allSatisfy { after[$0.key] == $0.value })
    }

    @Test("mark: copies are written with duplicate_of naming the first story, last in the front matter; a rerun writes nothing")
    func mark() async throws {
        let site = try site(similar: "mark")
        let run = try await runFinews(["refresh", "--config", "n.conf"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("9 new posts, 0 updated"), "\(run.stdout)")
        #expect(run.stdout.contains("6 marked similar"), "\(run.stdout)")
        let written = try posts(site)
        #expect(written.count == 9)
        let originals = written.filter { !$0.value.contains("duplicate_of") }
        #expect(originals.count == 3 && originals.values.allSatisfy { $0.contains("wire.example") })
        let codes = Set(originals.keys.map { String($0.dropFirst("_posts/2022-03-02-".count).dropLast(".md".count)) })
        for (path, post) in written where post.contains("duplicate_of") {
            let fields = frontMatter(post)
            let last = try #require(fields.last)
            #expect(last.hasPrefix("duplicate_of: "), "\(path): \(fields)")
            // A quoted YAML string: a code of digits only would otherwise read as a number.
            let original = last.dropFirst("duplicate_of: ".count).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            #expect(codes.contains(original), "\(path): \(last) not in \(codes)")
        }
        let again = try await runFinews(["refresh", "--config", "n.conf"], in: site.folder)
        #expect(again.stdout.contains("0 new posts, 0 updated"), "\(again.stdout)")
        #expect(try posts(site) == written)

        // A marked copy rewritten by its own feed stays marked.
        try site.write("daily.xml", Self.feed(outlet: 1, extra: "<p>更新</p>"))
        let update = try await runFinews(["refresh", "--config", "n.conf"], in: site.folder)
        #expect(update.stdout.contains("0 new posts, 3 updated"), "\(update.stdout)")
        #expect(try posts(site).filter { $0.value.contains("duplicate_of") }.count == 6)
    }

    @Test("off (the default): every outlet's copy is its own post, none marked")
    func off() async throws {
        let site = try site(similar: nil)
        let run = try await runFinews(["refresh", "--config", "n.conf"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("9 new posts, 0 updated"), "\(run.stdout)")
        #expect(!run.stdout.contains("similar"), "\(run.stdout)")
        #expect(try posts(site).values.allSatisfy { !$0.contains("duplicate_of") })
    }

    @Test("A wrong [dedupe] value names the file and line, with a suggestion")
    func badConfig() async throws {
        let site = try site(similar: "skp")
        let run = try await runFinews(["refresh", "--config", "n.conf"], in: site.folder)
        #expect(run.status != 0)
        #expect(run.stderr.contains("n.conf:2"), "\(run.stderr)")
        #expect(run.stderr.contains("did you mean \"skip\""), "\(run.stderr)")
    }

    // MARK: Two nodes on one PostgreSQL database

    /// The test server's URL (`scripts/with-postgres` sets it).
    static let serverURL = ProcessInfo.processInfo.environment["FINEWS_TEST_DATABASE_URL"]

    /// Runs `sql` with psql on the test server's own database.
    private static func psql(_ url: String, _ sql: String) async throws {
        let run = try await runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql])
        try #require(run.status == 0, "psql: \(run.stderr)")
    }

    /// A config for one node: the feeds of `outlets`, `[dedupe]`, and the shared database.
    private func writeNodeConfig(_ site: SeedSite, _ name: String, outlets: Range<Int>, similar: String, database: String,
                                 node: String) throws {
        try site.writeConfig(name, feeds: Self.outlets[outlets].map { ($0.name, "\($0.name).xml") })
        let config = try String(decoding: site.read(name), as: UTF8.self)
        try site.write(name, "[dedupe]\nsimilar = \"\(similar)\"\nwindow = \"3d\"\nthreshold = 0.85\n\n" + config
            + "\n[state]\ndatabase = \"\(database)\"\nnode = \"\(node)\"\nlease = \"10s\"\n")
    }

    @Test("cluster: node a checks the first outlet, node b the two others; the site is the single node's, byte for byte",
          .enabled(if: NearDuplicateTests.serverURL != nil, "needs FINEWS_TEST_DATABASE_URL (scripts/with-postgres)"),
          arguments: ["skip", "mark"])
    func cluster(similar: String) async throws {
        let server = try #require(Self.serverURL)
        var components = try #require(URLComponents(string: server))
        let name = "finews_e2e_\(UInt32.random(in: 0...UInt32.max))"
        components.path = "/" + name
        let database = try #require(components.string)
        try await Self.psql(server, "CREATE DATABASE \(name)")
        do {
            try await clusterRuns(similar: similar, database: database)
        } catch {
            try? await Self.psql(server, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
        try await Self.psql(server, "DROP DATABASE \(name) WITH (FORCE)")
    }

    private func clusterRuns(similar: String, database: String) async throws {
        let reference = try site(similar: similar)
        let single = try await runFinews(["refresh", "--config", "n.conf"], in: reference.folder)
        #expect(single.status == 0, "stderr: \(single.stderr)")

        let site = try site(similar: similar)
        try writeNodeConfig(site, "a.conf", outlets: 0..<1, similar: similar, database: database, node: "a")
        try writeNodeConfig(site, "b.conf", outlets: 0..<3, similar: similar, database: database, node: "b")
        let first = try await runFinews(["refresh", "--config", "a.conf"], in: site.folder)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stdout.contains("3 new posts, 0 updated"), "\(first.stdout)")
        let second = try await runFinews(["refresh", "--config", "b.conf"], in: site.folder)
        #expect(second.status == 0, "stderr: \(second.stderr)")
        if similar == "skip" {
            #expect(second.stdout.contains("0 new posts, 0 updated"), "\(second.stdout)")
            #expect(second.stdout.contains("6 similar skipped"), "\(second.stdout)")
        } else {
            #expect(second.stdout.contains("6 new posts, 0 updated"), "\(second.stdout)")
            #expect(second.stdout.contains("6 marked similar"), "\(second.stdout)")
        }
        let written = try posts(site)
        #expect(written == (try posts(reference)))
        #expect(written.count == (similar == "skip" ? 3 : 9))

        let status = try await runFinews(["status", "--config", "b.conf", "--json"], in: site.folder)
        #expect(status.status == 0, "stderr: \(status.stderr)")
        let compact = status.stdout.replacingOccurrences(of: " ", with: "")
        #expect(compact.components(separatedBy: "\"similar\":3").count - 1 == 2, "\(status.stdout)")
        #expect(compact.components(separatedBy: "\"similar\":0").count - 1 == 1, "\(status.stdout)")

        guard similar == "mark" else { return }
        // A marked copy rewritten by its own feed stays marked, as on a single node.
        for folder in [reference, site] { try folder.write("daily.xml", Self.feed(outlet: 1, extra: "<p>更新</p>")) }
        let update = try await runFinews(["refresh", "--config", "n.conf"], in: reference.folder)
        #expect(update.stdout.contains("0 new posts, 3 updated"), "\(update.stdout)")
        try await Self.psql(database, "UPDATE feeds SET next_check_at = now() WHERE name = 'daily'")
        let again = try await runFinews(["refresh", "--config", "b.conf"], in: site.folder)
        #expect(again.stdout.contains("0 new posts, 3 updated"), "\(again.stdout)")
        let rewritten = try posts(site)
        #expect(rewritten == (try posts(reference)))
        #expect(rewritten.filter { $0.value.contains("duplicate_of") }.count == 6)
    }

    @Test("parse --similar-to prints the similarity of two documents' entries")
    func parseSimilarTo() async throws {
        let site = try site(similar: nil)
        let run = try await runFinews(["parse", "daily.xml", "--similar-to", "wire.xml"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let lines = run.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("similarity") }
        // Three entries each: nine pairs, the three copies alike, the others not.
        #expect(lines.count == 9, "\(run.stdout)")
        let alike = lines.filter { line in (Double(line.split(separator: " ").last ?? "") ?? 0) >= 0.85 }
        #expect(alike.count == 3, "\(lines)")
    }
}
