import FinewsNormalize
public import Foundation

/// The starter Jekyll site that `finews init` writes: a configuration, layouts for
/// pages, posts and category pages, an index listing recent posts per tag, and a
/// feeds.conf that writes into the site. `jekyll build` works on it as it is.
public enum StarterSite {
    /// The files, by path below the site folder.
    public static func files(title: String, timeZone: String) -> [(path: String, contents: String)] {
        [
            ("_config.yml", config(title: title, timeZone: timeZone)),
            ("_layouts/default.html", defaultLayout),
            ("_layouts/post.html", postLayout),
            ("_layouts/category.html", categoryLayout),
            ("index.html", index),
            ("feeds.conf", feedsConf(timeZone: timeZone)),
        ]
    }

    /// Writes the starter files into `folder` (created if needed). Files that exist
    /// are left alone and reported, so `init` never overwrites a user's work.
    /// - Returns: the paths written and the paths skipped.
    public static func write(into folder: URL, title: String, timeZone: String) throws(StoreError)
        -> (written: [String], skipped: [String]) {
        var written: [String] = []
        var skipped: [String] = []
        for (path, contents) in files(title: title, timeZone: timeZone) {
            let url = folder.appendingPathComponent(path)
            if FileManager.default.fileExists(atPath: url.path) {
                skipped.append(path)
                continue
            }
            do {
                try FileManager.default.createDirectory(
                    at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(contents.utf8).write(to: url, options: .atomic)
            } catch {
                throw StoreError(.io, "cannot write \(url.path): \(error.localizedDescription)")
            }
            written.append(path)
        }
        return (written, skipped)
    }

    private static func config(title: String, timeZone: String) -> String {
        """
        # Jekyll configuration written by `finews init`.
        title: \(YAML.doubleQuoted(title))
        description: "News gathered by finews"
        # Links in posts are written as base_url + /category/... (feeds.conf [site]
        # base_url); set baseurl here to the same path if the site is not at the root.
        baseurl: ""
        timezone: \(timeZone)
        markdown: kramdown
        permalink: /:categories/:year/:month/:day/:title:output_ext
        # feeds.conf is finews's; posts rotated into old_post/ stay on disk but out of
        # the build (remove old_post here to keep publishing them as pages).
        exclude:
          - feeds.conf
          - old_post
          - Gemfile
          - Gemfile.lock

        """
    }

    private static let defaultLayout = """
        <!DOCTYPE html>
        <html lang="zh-CN">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>{% if page.title %}{{ page.title | escape }} · {% endif %}{{ site.title | escape }}</title>
          <style>
            body { max-width: 46rem; margin: 2rem auto; padding: 0 1rem; font: 17px/1.7 system-ui, sans-serif; color: #222; }
            a { color: #0645ad; } header a { color: inherit; text-decoration: none; }
            .meta { color: #666; font-size: .9rem; } img { max-width: 100%; height: auto; }
          </style>
        </head>
        <body>
          <header><a href="{{ '/' | relative_url }}"><strong>{{ site.title | escape }}</strong></a></header>
          <main>
        {{ content }}
          </main>
        </body>
        </html>

        """

    private static let postLayout = """
        ---
        layout: default
        ---
        <article class="post">
          <h1>{{ page.title | escape }}</h1>
          <p class="meta">{{ page.date | date: "%Y-%m-%d %H:%M" }}{% for tag in page.tags %} · {{ tag | escape }}{% endfor %}</p>
          <div class="post-body">
        {{ content }}
          </div>
        </article>

        """

    private static let categoryLayout = """
        ---
        layout: default
        ---
        <h1>{{ page.title | escape }}</h1>
        <ul class="posts">
        {% for post in site.categories[page.category] %}  <li><span class="meta">{{ post.date | date: "%Y-%m-%d" }}</span> <a href="{{ post.url | relative_url }}">{{ post.title | escape }}</a></li>
        {% endfor %}</ul>

        """

    private static let index = """
        ---
        layout: default
        title: ""
        ---
        {% for tag in site.tags %}
        <section class="tag">
          <h2>{{ tag[0] | escape }}</h2>
          <ul>
          {% assign originals = tag[1] | where_exp: "post", "post.duplicate_of == nil" %}
          {% for post in originals limit: 10 %}  <li><span class="meta">{{ post.date | date: "%m-%d" }}</span> <a href="{{ post.url | relative_url }}">{{ post.title | escape }}</a></li>
          {% endfor %}</ul>
          {% assign category = tag[1].first.categories.first %}{% if category %}<p><a href="{{ '/category/' | append: category | append: '.html' | relative_url }}">more…</a></p>{% endif %}
        </section>
        {% endfor %}

        """

    private static func feedsConf(timeZone: String) -> String {
        """
        # finews configuration for this site (written by `finews init`).
        # Run from this folder:   finews refresh --config feeds.conf
        # Then build the site:     jekyll build
        # Every key is documented in finews's README and its example feeds.conf.

        [site]
        output = "."              # this folder is the Jekyll site
        base_url = ""             # links are site-relative (/category/...)
        timezone = "\(timeZone)"
        archive_dir = "old_post"
        archive_after = "0"       # e.g. "3d" to move older posts out of _posts

        # [[feed]]
        # name = "example"
        # url = "https://example.com/rss.xml"
        # tag = "Example News"

        """
    }
}
