import FinewsNormalize
import FinewsStore
import Testing

@Suite("Outlet slugs in the state")
struct SlugStateTests {
    @Test("Slugs and their order survive reopening the state")
    func persistence() async throws {
        let folder = try TemporaryFolder()
        do {
            let store = try StateStore(directory: folder.url)
            var registry = SlugRegistry(stored: try await store.slugs(), overrides: ["漯河日报": "taheribao"])
            #expect(registry.slug(for: "漯河日报") == "taheribao")
            #expect(registry.slug(for: "Wind资讯") == "Windzixun")
            var batch = StateBatch()
            batch.slugs = registry.changes
            try await store.commit(batch)
        }
        let reopened = try StateStore(directory: folder.url)
        #expect(try await reopened.slugs() == ["漯河日报": "taheribao", "Wind资讯": "Windzixun"])
        // Without the override, and in another order: the same slugs, and the newcomer gets the suffix.
        var registry = SlugRegistry(stored: try await reopened.slugs())
        #expect(registry.slug(for: "Wind 资讯") == "Windzixun-2")
        #expect(registry.slug(for: "Wind资讯") == "Windzixun")
        #expect(registry.slug(for: "漯河日报") == "taheribao")
        #expect(registry.changes.map(\.slug) == ["Windzixun-2"])
    }
}
