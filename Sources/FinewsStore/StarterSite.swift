import FinewsNormalize
public import Foundation

/// The starter Jekyll site that `finews init` writes: a configuration (with
/// jekyll-feed and jekyll-seo-tag), layouts for pages, posts and category pages, a
/// style sheet for Chinese and English text, a front page listing the latest stories
/// and each section's newest, a 404 page, a .gitignore, and a feeds.conf that writes
/// into the site with the front matter the layouts use. `jekyll build` works on it
/// as it is.
public enum StarterSite {
    /// The files, by path below the site folder.
    public static func files(title: String, timeZone: String) -> [(path: String, contents: String)] {
        [
            ("_config.yml", config(title: title, timeZone: timeZone)),
            ("_layouts/default.html", defaultLayout),
            ("_layouts/post.html", postLayout),
            ("_layouts/category.html", categoryLayout),
            ("index.html", index),
            ("404.html", notFound),
            ("assets/site.css", styleSheet),
            (".gitignore", gitignore),
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
        lang: zh-CN
        # The site's address, for the absolute links of feed.xml and the og: tags
        # (such as "https://news.example.com"); empty keeps links site-relative.
        url: ""
        # Links in posts are written as base_url + /category/... (feeds.conf [site]
        # base_url); set baseurl here to the same path if the site is not at the root.
        baseurl: ""
        timezone: \(timeZone)
        markdown: kramdown
        permalink: /:categories/:year/:month/:day/:title:output_ext
        # feed.xml (Atom) and the <meta property="og:..."> tags. Both come with GitHub
        # Pages; on Debian: apt-get install ruby-jekyll-feed ruby-jekyll-seo-tag.
        plugins:
          - jekyll-feed
          - jekyll-seo-tag
        feed:
          path: feed.xml
          posts_limit: 50
        # How many stories the front page lists; each section then shows its latest five.
        front_page_posts: 30
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
        <html lang="{{ site.lang | default: 'zh-CN' }}">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
        {% seo %}
        {% feed_meta %}
          <link rel="stylesheet" href="{{ '/assets/site.css' | relative_url }}">
        </head>
        <body>
          <header class="masthead">
            <div class="wrap">
              <a class="brand" href="{{ '/' | relative_url }}">{{ site.title | escape }}</a>
              <nav class="sections" aria-label="栏目">
              {%- assign sections = site.pages | where: "layout", "category" | sort: "title" -%}
              {%- for section in sections %}
                <a href="{{ section.url | relative_url }}"{% if page.url == section.url %} aria-current="page"{% endif %}>{{ section.title | escape }}</a>
              {%- endfor %}
              </nav>
            </div>
          </header>
          <main class="wrap">
        {{ content }}
          </main>
          <footer class="wrap site-footer">
            <a href="{{ '/feed.xml' | relative_url }}">RSS 订阅</a> · 由 finews 汇集
          </footer>
        </body>
        </html>

        """

    private static let postLayout = """
        ---
        layout: default
        ---
        <article class="post">
          {%- assign category = page.categories | first %}
          {%- if category %}
          <p class="kicker"><a href="{{ '/category/' | append: category | append: '.html' | relative_url }}">{{ page.tags | join: " " | escape }}</a></p>
          {%- endif %}
          <h1>{{ page.title | escape }}</h1>
          <p class="meta">
            <time datetime="{{ page.date | date_to_xmlschema }}">{{ page.date | date: "%Y-%m-%d %H:%M" }}</time>
            {%- if page.author %} · <span class="author">{{ page.author | escape }}</span>{% endif %}
            {%- if page.original_url %} · <a class="source" href="{{ page.original_url | escape }}" rel="noopener">原文</a>{% endif %}
            {%- if page.last_modified_at %} · 更新于 <time datetime="{{ page.last_modified_at | date_to_xmlschema }}">{{ page.last_modified_at | date: "%Y-%m-%d %H:%M" }}</time>{% endif %}
          </p>
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
        {%- assign posts = site.categories[page.category] %}
        <p class="meta">{{ posts | size }} 篇</p>
        {%- assign day = "" %}
        {%- for post in posts %}
          {%- assign this_day = post.date | date: "%Y-%m-%d" %}
          {%- if this_day != day %}
            {%- unless forloop.first %}
        </ul>
            {%- endunless %}
        <h2 class="day">{{ post.date | date: "%Y年%-m月%-d日" }}</h2>
        <ul class="list by-day">
            {%- assign day = this_day %}
          {%- endif %}
          <li><time class="when" datetime="{{ post.date | date_to_xmlschema }}">{{ post.date | date: "%H:%M" }}</time> <a class="title" href="{{ post.url | relative_url }}">{{ post.title | escape }}</a></li>
          {%- if forloop.last %}
        </ul>
          {%- endif %}
        {%- endfor %}

        """

    private static let index = """
        ---
        layout: default
        ---
        <section class="latest">
          <h2 class="section">最新</h2>
          <ul class="list stacked">
          {%- assign count = site.front_page_posts | default: 30 %}
          {%- assign originals = site.posts | where_exp: "post", "post.duplicate_of == nil" %}
          {%- for post in originals limit: count %}
            <li><time class="when" datetime="{{ post.date | date_to_xmlschema }}">{{ post.date | date: "%m-%d %H:%M" }}</time> <a class="title" href="{{ post.url | relative_url }}">{{ post.title | escape }}</a> <span class="outlet">{{ post.tags | join: " " | escape }}</span></li>
          {%- endfor %}
          </ul>
        </section>
        <div class="sections-grid">
        {%- assign sections = site.pages | where: "layout", "category" | sort: "title" %}
        {%- for section in sections %}
          {%- assign posts = site.categories[section.category] %}
          {%- if posts %}
          {%- assign posts = posts | where_exp: "post", "post.duplicate_of == nil" %}
          <section class="tag">
            <h2 class="section"><a href="{{ section.url | relative_url }}">{{ section.title | escape }}</a></h2>
            <ul class="list compact">
            {%- for post in posts limit: 5 %}
              <li><time class="when" datetime="{{ post.date | date_to_xmlschema }}">{{ post.date | date: "%m-%d" }}</time> <a class="title" href="{{ post.url | relative_url }}">{{ post.title | escape }}</a></li>
            {%- endfor %}
            </ul>
            {%- if posts.size > 5 %}
            <p class="more"><a href="{{ section.url | relative_url }}">更多（共 {{ posts.size }} 篇）→</a></p>
            {%- endif %}
          </section>
          {%- endif %}
        {%- endfor %}
        </div>

        """

    private static let notFound = """
        ---
        layout: default
        title: 页面不存在
        permalink: /404.html
        sitemap: false
        ---
        <h1>页面不存在</h1>
        <p>这篇文章可能已移入存档。<a href="{{ '/' | relative_url }}">返回首页</a></p>

        """

    /// Chinese text wants a CJK font stack, a taller line and a measure of about 35
    /// characters; the lists keep dates in fixed-width digits so titles line up.
    private static let styleSheet = """
        :root {
          --text: #1f2328; --muted: #667085; --line: #e6e8eb; --accent: #b42318; --link: #1849a9; --bg: #fff;
        }
        @media (prefers-color-scheme: dark) {
          :root { --text: #e6e6e6; --muted: #9aa4b2; --line: #2b3138; --accent: #f97066; --link: #84adff; --bg: #14171a; }
        }
        * { box-sizing: border-box; }
        html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
        body {
          margin: 0; background: var(--bg); color: var(--text);
          font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "PingFang SC", "Hiragino Sans GB",
            "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "WenQuanYi Micro Hei", Roboto,
            "Helvetica Neue", Arial, sans-serif;
          font-size: 17px; line-height: 1.75;
        }
        a { color: var(--link); }
        .wrap { max-width: 48rem; margin: 0 auto; padding: 0 1rem; }
        .masthead { border-bottom: 3px solid var(--accent); margin-bottom: 1rem; }
        .brand { display: inline-block; padding: .9rem 0 .3rem; font-size: 1.6rem; font-weight: 700;
          letter-spacing: .04em; color: var(--text); text-decoration: none; }
        .sections { display: flex; flex-wrap: wrap; gap: .1rem 1rem; padding-bottom: .4rem; font-size: .95rem; }
        .sections a { color: var(--muted); text-decoration: none; }
        .sections a:hover, .sections a[aria-current] { color: var(--accent); }
        h1 { font-size: 1.75rem; line-height: 1.4; margin: 1.2rem 0 .4rem; }
        h2.section { font-size: 1.1rem; margin: 1.8rem 0 .3rem; padding-left: .55rem; border-left: 4px solid var(--accent); }
        h2.section a { color: inherit; text-decoration: none; }
        .meta, .when { color: var(--muted); font-size: .875rem; font-variant-numeric: tabular-nums; }
        .list { list-style: none; margin: 0; padding: 0; }
        .list li { display: flex; gap: .75rem; align-items: baseline; padding: .5rem 0; border-bottom: 1px solid var(--line);
          line-height: 1.55; }
        .list .when { flex: none; min-width: 5.6em; white-space: nowrap; }
        .list .outlet { flex: none; margin-left: auto; color: var(--accent); font-size: .8rem; white-space: nowrap; }
        .list .title { color: var(--text); text-decoration: none; font-weight: 500; }
        .list.by-day .when { min-width: 3.2em; }
        h2.day { font-size: .95rem; color: var(--muted); font-weight: 600; margin: 1.4rem 0 0; }
        .list .title:hover { color: var(--accent); }
        .list.compact li { padding: .35rem 0; }
        .list.compact .when { min-width: 3.2em; }
        .more { margin: .4rem 0 0; font-size: .9rem; }
        .more a { text-decoration: none; }
        .sections-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: 0 2rem; }
        .kicker { margin: 1.5rem 0 0; font-size: .9rem; }
        .kicker a { color: var(--accent); text-decoration: none; font-weight: 600; }
        .post { max-width: 42rem; }
        .post h1 { margin-top: .3rem; }
        .meta a { color: inherit; }
        .post-body { font-size: 1.0625rem; line-height: 1.9; text-align: justify; overflow-wrap: break-word;
          margin-top: 1.2rem; }
        .post-body p { margin: 0 0 1.1em; }
        .post-body a { overflow-wrap: anywhere; }
        /* The last paragraph of a finews post is its way back: 返回<tag>｜返回首页. */
        .post-body > p:last-child { margin-top: 2rem; padding-top: .8rem; border-top: 1px solid var(--line);
          font-size: .9rem; text-align: left; }
        .post-body img, .post-body video { display: block; max-width: 100%; height: auto; margin: 1.2rem auto; }
        .post-body table { display: block; max-width: 100%; overflow-x: auto; border-collapse: collapse; }
        .post-body blockquote { margin: 1rem 0; padding: .2rem 1rem; border-left: 3px solid var(--line); color: var(--muted); }
        .site-footer { margin-top: 3rem; padding: 1rem; border-top: 1px solid var(--line); color: var(--muted); font-size: .85rem; }
        .site-footer a { color: inherit; }
        @media (max-width: 600px) {
          body { font-size: 16px; }
          h1 { font-size: 1.4rem; }
          .list li { gap: 0 .6rem; }
          .list.stacked li { flex-wrap: wrap; }
          .list.stacked .outlet { margin-left: 0; order: 2; }
          .list.stacked .title { flex-basis: 100%; order: 3; }
          .list .when { min-width: 3.2em; }
          /* On a phone the sections are one row that scrolls sideways. */
          .sections { flex-wrap: nowrap; overflow-x: auto; white-space: nowrap; scrollbar-width: none;
            -webkit-mask-image: linear-gradient(to right, #000 85%, transparent);
            mask-image: linear-gradient(to right, #000 85%, transparent); }
          .sections-grid { display: block; }
        }

        """

    private static let gitignore = """
        # Written by `finews init`: the build output, and finews's state (SQLite,
        # lock, temporary files), which must not be published or committed.
        _site/
        .jekyll-cache/
        .finews/

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

        # The layouts show these: the author, the original link, and for feed.xml
        # and the og: tags a description, an image and the update time.
        [post]
        front_matter = ["author", "original_url", "description", "last_modified_at", "image", "infocode"]

        # [hooks]                 # run after every cycle that wrote or moved posts
        # after_write = "jekyll build --quiet"
        # timeout = "2m"

        # [metrics]               # Prometheus figures
        # listen = "127.0.0.1:9464"                        # finews run: /metrics and /healthz
        # textfile = "/var/lib/node_exporter/finews.prom"  # finews refresh from cron

        # [[feed]]
        # name = "example"
        # url = "https://example.com/rss.xml"
        # tag = "Example News"

        """
    }
}
