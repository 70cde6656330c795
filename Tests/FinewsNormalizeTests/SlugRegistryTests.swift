import FinewsNormalize
import Foundation
import Testing

@Suite("Slug registry")
struct SlugRegistryTests {
    @Test("The same outlet always gets the same slug; colliding outlets get -2, -3 in order of arrival")
    func collisions() {
        var registry = SlugRegistry(stored: [:])
        #expect(registry.slug(for: "Wind资讯") == "Windzixun")
        #expect(registry.slug(for: "Wind 资讯") == "Windzixun-2")
        #expect(registry.slug(for: "wind资讯") == "windzixun-3")  // case-insensitive file systems
        #expect(registry.slug(for: "Wind资讯") == "Windzixun")
        #expect(registry.slug(for: " Wind  资讯 ") == "Windzixun-2")  // the same name, spaced differently
        #expect(registry.changes.map(\.text) == ["Wind资讯", "Wind 资讯", "wind资讯"])
        #expect(registry.changes.map(\.slug) == ["Windzixun", "Windzixun-2", "windzixun-3"])
    }

    @Test("An override wins and reserves its slug; a computed slug never takes it")
    func overrides() {
        var registry = SlugRegistry(stored: [:], overrides: ["漯河日报": "taheribao"])
        #expect(registry.slug(for: "他和日报") == "taheribao-2")  // tā hé rì bào
        #expect(registry.slug(for: "漯河日报") == "taheribao")
        #expect(registry.changes.map(\.slug) == ["taheribao-2", "taheribao"])
    }

    @Test("Stored slugs never change; an override replaces one; removing the override keeps it")
    func stored() {
        var plain = SlugRegistry(stored: ["漯河日报": "luoheribao"])
        #expect(plain.slug(for: "漯河日报") == "luoheribao")
        #expect(plain.changes.isEmpty)

        var overridden = SlugRegistry(stored: ["漯河日报": "luoheribao"], overrides: ["漯河日报": "taheribao"])
        #expect(overridden.slug(for: "漯河日报") == "taheribao")
        #expect(overridden.changes.map(\.slug) == ["taheribao"])

        var removed = SlugRegistry(stored: ["漯河日报": "taheribao"])
        #expect(removed.slug(for: "漯河日报") == "taheribao")
        #expect(removed.changes.isEmpty)
    }

    @Test("Existing categories and reserved names are not taken; two overrides may share a slug")
    func reserved() {
        var registry = SlugRegistry(stored: [:], overrides: ["漯河日报": "lh", "漯河晚报": "lh"], reserved: ["datayes"])
        #expect(registry.slug(for: "Datayes") == "Datayes-2")
        #expect(registry.slug(for: "漯河日报") == "lh")
        #expect(registry.slug(for: "漯河晚报") == "lh")
    }

    @Test("An empty slug is returned empty and not stored")
    func empty() {
        var registry = SlugRegistry(stored: [:])
        #expect(registry.slug(for: "——") == "")
        #expect(registry.changes.isEmpty)
    }

    @Test("A suffix keeps a long slug within 64 characters")
    func longCollision() {
        let name = String(repeating: "A", count: 80)
        var registry = SlugRegistry(stored: [:])
        #expect(registry.slug(for: name) == String(repeating: "A", count: 64))
        #expect(registry.slug(for: name + "!") == String(repeating: "A", count: 62) + "-2")
    }
}
