import Foundation
import Testing

let referencePost = "_posts/2022-03-02-NW202203022293518924.md"

@Suite("finews refresh, end to end", .serialized)
struct RefreshTests {
    @Test("The reference post, byte for byte, from RSS, Atom and GB18030 RSS", arguments: [
        "rss.xml", "atom.xml", "rss-gb18030.xml",
    ])
    func referencePostIsIdentical(feedFile: String) async throws {
        let site = try SeedSite()
        try site.writeConfig("feeds.conf", feeds: [("taheribao", feedFile)])
        let run = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("1 feed ok, 0 failed; 1 new post, 0 updated; 0 duplicates skipped"))
        #expect(try site.read("out/\(referencePost)") == site.read("expected/\(referencePost)"))
        #expect(site.publishedFiles() == ["_posts/2022-03-02-NW202203022293518924.md", "category/taheribao.html"])
        let category = try String(decoding: site.read("out/category/taheribao.html"), as: UTF8.self)
        #expect(category == "---\nlayout: category\ntitle: 漯河日报新闻\ncategory: taheribao\n---\n")
    }

    @Test("The shipped seed feeds.conf works as it is")
    func seedConfig() async throws {
        let site = try SeedSite()
        let run = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(try site.read("out/\(referencePost)") == site.read("expected/\(referencePost)"))
    }

    @Test("A second refresh writes nothing and counts the story as a duplicate")
    func secondRefresh() async throws {
        let site = try SeedSite()
        _ = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        let post = site.url("out/\(referencePost)")
        let before = try FileManager.default.attributesOfItem(atPath: post.path)[.modificationDate] as? Date
        try await Task.sleep(for: .milliseconds(20))
        let again = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(again.status == 0)
        #expect(again.stdout.contains("0 new posts, 0 updated; 1 duplicate skipped"), "stdout: \(again.stdout)")
        let after = try FileManager.default.attributesOfItem(atPath: post.path)[.modificationDate] as? Date
        #expect(before == after)
    }

    @Test("A changed feed body with the same story still counts a duplicate, not a new post")
    func changedBodySameStory() async throws {
        let site = try SeedSite()
        _ = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        // Another channel description: the body hash changes, the story does not.
        let text = String(decoding: try site.read("rss.xml"), as: UTF8.self)
            .replacingOccurrences(of: "<description>漯河日报新闻</description>", with: "<description>changed</description>")
        try site.write("rss.xml", text)
        let again = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        #expect(again.stdout.contains("0 new posts, 0 updated; 1 duplicate skipped"), "stdout: \(again.stdout)")
    }

    @Test("The same story in three feeds gives one post")
    func sameStoryAcrossFeeds() async throws {
        let site = try SeedSite()
        try site.writeConfig("all.conf", feeds: [("rss", "rss.xml"), ("atom", "atom.xml"), ("gb", "rss-gb18030.xml")])
        let run = try await runFinews(["refresh", "--config", "all.conf"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(run.stdout.contains("3 feeds ok, 0 failed; 1 new post, 0 updated; 2 duplicates skipped"))
        #expect(site.publishedFiles() == ["_posts/2022-03-02-NW202203022293518924.md", "category/taheribao.html"])
        #expect(try site.read("out/\(referencePost)") == site.read("expected/\(referencePost)"))
    }

    @Test("Bad feeds fail alone: unreachable, missing file, not a feed")
    func badFeedsFailAlone() async throws {
        let site = try SeedSite()
        try site.write("page.html", "<!DOCTYPE html><html><body><p>Not a feed</p></body></html>")
        try site.writeConfig("mixed.conf", feeds: [
            ("down", "http://127.0.0.1:9/rss.xml"),
            ("missing", "no-such-file.xml"),
            ("html", "page.html"),
            ("good", "rss.xml"),
        ])
        let run = try await runFinews(["refresh", "--config", "mixed.conf"], in: site.folder)
        #expect(run.status == 1)
        #expect(run.stdout.contains("1 feed ok, 3 failed; 1 new post"))
        let lines = run.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "stderr: \(run.stderr)")
        #expect(lines.contains { $0.hasPrefix("finews: feed 'down' failed: ") && $0.contains("could not connect") })
        #expect(lines.contains { $0.hasPrefix("finews: feed 'missing' failed: ") && $0.contains("cannot read the file") })
        #expect(lines.contains { $0.hasPrefix("finews: feed 'html' failed: ") && $0.contains("not a feed") })
        #expect(try site.read("out/\(referencePost)") == site.read("expected/\(referencePost)"))
    }

    @Test("--quiet prints nothing on success; a named feed limits the run; an unknown one is a usage error")
    func quietAndSelection() async throws {
        let site = try SeedSite()
        try site.writeConfig("two.conf", feeds: [("a", "rss.xml"), ("b", "no-such-file.xml")])
        let quiet = try await runFinews(["refresh", "--config", "two.conf", "--quiet", "a"], in: site.folder)
        #expect(quiet.status == 0)
        #expect(quiet.stdout.isEmpty)
        #expect(quiet.stderr.isEmpty)
        let unknown = try await runFinews(["refresh", "--config", "two.conf", "zzz"], in: site.folder)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no feed named 'zzz'"))
    }

    @Test("FINEWS_CONFIG is used when --config is absent")
    func environmentConfig() async throws {
        let site = try SeedSite()
        let run = try await runFinews(["refresh"], in: FileManager.default.temporaryDirectory,
                                environment: ["FINEWS_CONFIG": site.url("feeds.conf").path])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(FileManager.default.fileExists(atPath: site.url("out/\(referencePost)").path))
    }

    @Test("--no-wait exits 75 while another process holds the lock")
    func lockBusy() async throws {
        let site = try SeedSite()
        _ = try await runFinews(["refresh", "--config", "feeds.conf"], in: site.folder)
        let descriptor = open(site.url("out/.finews/lock").path, O_RDWR)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        #expect(flock(descriptor, LOCK_EX) == 0)
        let run = try await runFinews(["refresh", "--config", "feeds.conf", "--no-wait"], in: site.folder)
        #expect(run.status == 75)
        #expect(run.stderr.contains("another refresh is running"))
    }
}

@Suite("finews check and parse, end to end")
struct CheckAndParseTests {
    @Test("check accepts the seed config and rejects a broken one with file:line, exit 2")
    func check() async throws {
        let site = try SeedSite()
        let good = try await runFinews(["check", "--config", "feeds.conf"], in: site.folder)
        #expect(good.status == 0)
        #expect(good.stdout.contains("ok, 1 feed"))
        try site.write("bad.conf", """
            [site]
            output = "out"

            [[feed]]
            name = "taheribao"
            url = "rss.xml"
            intervall = "5m"
            """)
        let bad = try await runFinews(["check", "--config", "bad.conf"], in: site.folder)
        #expect(bad.status == 2)
        #expect(bad.stderr == "bad.conf:7: unknown key 'intervall' in [[feed]] 'taheribao' — did you mean 'interval'?\n")
        let missing = try await runFinews(["refresh", "--config", "nope.conf"], in: site.folder)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("nope.conf: cannot read the configuration file"))
    }

    @Test("parse --json prints the entries with their infoCode")
    func parseJSON() async throws {
        let site = try SeedSite()
        for file in ["rss.xml", "atom.xml", "rss-gb18030.xml"] {
            let run = try await runFinews(["parse", file, "--json"], in: site.folder)
            #expect(run.status == 0)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let feed = try #require(json["feed"] as? [String: Any])
            #expect(feed["title"] as? String == "漯河日报")
            let entries = try #require(json["entries"] as? [[String: Any]])
            #expect(entries.count == 1)
            #expect(entries.first?["infoCode"] as? String == "NW202203022293518924")
            #expect(entries.first?["published"] as? String == "2022-03-02T00:08:45Z")
            #expect(entries.first?["categories"] as? [String] == [])
        }
    }

    @Test("parse of a document that is not a feed exits 1 with an error member")
    func parseNotAFeed() async throws {
        let site = try SeedSite()
        try site.write("page.html", "<html><body>hello</body></html>")
        let run = try await runFinews(["parse", "page.html", "--json"], in: site.folder)
        #expect(run.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((json["error"] as? String)?.contains("not a feed") == true)
    }
}

@Suite("finews refresh and broken feeds")
struct RefreshBrokenFeedTests {
    @Test("A truncated feed publishes its complete entries and never the cut one")
    func truncatedFeed() async throws {
        let site = try SeedSite()
        try site.write("cut.xml", """
            <rss version="2.0"><channel><title>T</title>
            <item><title>Whole story</title><link>http://x/?infoCode=WHOLE1</link>
            <pubDate>Wed, 02 Mar 2022 08:08:45 +0800</pubDate><description>complete</description></item>
            <item><title>Cut story</title><link>http://x/?infoCode=CUT1</link><description>half of it
            """)
        try site.writeConfig("cut.conf", feeds: [("cut", "cut.xml")])
        let run = try await runFinews(["refresh", "--config", "cut.conf"], in: site.folder)
        #expect(run.status == 0, "stderr: \(run.stderr)")
        #expect(site.publishedFiles().filter { $0.hasPrefix("_posts/") } == ["_posts/2022-03-02-WHOLE1.md"])
    }
}

@Suite("finews init")
struct InitTests {
    @Test("init writes a starter site and never overwrites a file")
    func starterSite() async throws {
        let site = try SeedSite()
        let target = site.url("newsite")
        let first = try await runFinews(["init", target.path, "--timezone", "Asia/Shanghai"], in: site.folder)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        for path in ["_config.yml", "_layouts/default.html", "_layouts/post.html", "_layouts/category.html",
                     "index.html", "feeds.conf"] {
            #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent(path).path), "\(path)")
        }
        let check = try await runFinews(["check", "--config", target.appendingPathComponent("feeds.conf").path], in: site.folder)
        #expect(check.status == 0, "stderr: \(check.stderr)")
        try Data("mine".utf8).write(to: target.appendingPathComponent("index.html"))
        let second = try await runFinews(["init", target.path], in: site.folder)
        #expect(second.status == 0)
        #expect(second.stdout.contains("kept"))
        #expect(try String(contentsOf: target.appendingPathComponent("index.html"), encoding: .utf8) == "mine")
        let badZone = try await runFinews(["init", target.path, "--timezone", "Mars/Base"], in: site.folder)
        #expect(badZone.status == 2)
    }
}

@Suite("Rotation and updates")
struct RotationTests {
    private func config(_ site: SeedSite, archiveAfter: String, feed: String = "rss.xml") throws {
        try site.write("rot.conf", """
            [site]
            output = "out"
            base_url = "//finews.withounder.com"
            timezone = "Asia/Shanghai"
            archive_dir = "old_post"
            archive_after = "\(archiveAfter)"

            [[feed]]
            name = "taheribao"
            url = "\(feed)"
            tag = "漯河日报新闻"
            """)
    }

    @Test("Old posts move to archive_dir on a refresh, never come back, and are updated in place there")
    func rotateOnRefresh() async throws {
        let site = try SeedSite()
        try config(site, archiveAfter: "3d")
        let first = try await runFinews(["refresh", "--config", "rot.conf"], in: site.folder)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(first.stdout.contains("1 archived"))
        #expect(site.publishedFiles() == ["category/taheribao.html", "old_post/2022-03-02-NW202203022293518924.md"])
        #expect(try site.read("out/old_post/2022-03-02-NW202203022293518924.md") == site.read("expected/\(referencePost)"))

        let second = try await runFinews(["refresh", "--config", "rot.conf"], in: site.folder)
        #expect(second.stdout.contains("0 new posts, 0 updated; 1 duplicate skipped"), "stdout: \(second.stdout)")
        #expect(!FileManager.default.fileExists(atPath: site.url("out/\(referencePost)").path))

        let text = String(decoding: try site.read("rss.xml"), as: UTF8.self)
            .replacingOccurrences(of: "<title>经济技术开发区深化体制机制改革促发展</title>", with: "<title>更新后的标题</title>")
        try site.write("rss.xml", text)
        let third = try await runFinews(["refresh", "--config", "rot.conf"], in: site.folder)
        #expect(third.stdout.contains("0 new posts, 1 updated"), "stdout: \(third.stdout)")
        let updated = String(decoding: try site.read("out/old_post/2022-03-02-NW202203022293518924.md"), as: UTF8.self)
        #expect(updated.contains("title: \"更新后的标题\""))
        #expect(site.publishedFiles() == ["category/taheribao.html", "old_post/2022-03-02-NW202203022293518924.md"])
    }

    @Test("finews archive moves posts when archive_after is set later")
    func archiveCommand() async throws {
        let site = try SeedSite()
        try config(site, archiveAfter: "0")
        _ = try await runFinews(["refresh", "--config", "rot.conf"], in: site.folder)
        #expect(FileManager.default.fileExists(atPath: site.url("out/\(referencePost)").path))
        let never = try await runFinews(["archive", "--config", "rot.conf"], in: site.folder)
        #expect(never.stdout.contains("never moved"))
        try config(site, archiveAfter: "1d")
        let moved = try await runFinews(["archive", "--config", "rot.conf"], in: site.folder)
        #expect(moved.status == 0, "stderr: \(moved.stderr)")
        #expect(moved.stdout.contains("moved 1 post into old_post/"))
        #expect(FileManager.default.fileExists(atPath: site.url("out/old_post/2022-03-02-NW202203022293518924.md").path))
        let again = try await runFinews(["refresh", "--config", "rot.conf"], in: site.folder)
        #expect(again.stdout.contains("0 new posts"))
        #expect(!FileManager.default.fileExists(atPath: site.url("out/\(referencePost)").path))
    }
}

@Suite("Write failures")
struct WriteFailureTests {
    @Test("A write past the file-size limit gives a clear error, no partial post and unchanged state")
    func fileSizeLimit() async throws {
        let site = try SeedSite()
        // One story of about 1.5 MB, over a 1 MiB limit that the state database
        // (its WAL and shared-memory files) stays well under.
        let paragraph = "<p>" + String(repeating: "长篇报道的正文。", count: 2_000) + "</p>"
        let body = String(repeating: paragraph, count: 32)
        try site.write("big.xml", """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0"><channel><title>Big</title><link>https://big.example/</link>
            <item><title>A long story</title><link>https://big.example/a?infoCode=NW1</link>
            <pubDate>Wed, 02 Mar 2022 08:08:45 +0800</pubDate>
            <description><![CDATA[\(body)]]></description></item>
            </channel></rss>
            """)
        try site.writeConfig("big.conf", feeds: [("big", "big.xml")])
        try site.writeConfig("empty.conf", feeds: [])
        _ = try await runFinews(["refresh", "--config", "empty.conf"], in: site.folder)  // creates the state
        let limited = try await runProcess(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "ulimit -f 1024; exec \"$0\" refresh --config big.conf", finewsBinary.path], in: site.folder)
        #expect(limited.status == 1, "stdout: \(limited.stdout) stderr: \(limited.stderr)")
        #expect(limited.stderr.contains("File too large"), "stderr: \(limited.stderr)")
        #expect(site.publishedFiles().isEmpty)
        let temporary = site.url("out/.finews/tmp")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []).isEmpty)
        let after = try await runFinews(["refresh", "--config", "big.conf"], in: site.folder)
        #expect(after.stdout.contains("1 new post"), "nothing was marked seen: \(after.stdout)")
        #expect(site.publishedFiles().contains("_posts/2022-03-02-NW1.md"))
    }
}
