/// A labelled set of story pairs for near-duplicate detection: syndicated copies
/// of wire stories (as outlets republish them) and hard negatives (different
/// stories that look alike). Written for finews; the stories are made up.
enum SyndicationCorpus {
    /// A wire story: a headline, its paragraphs, and one sentence an outlet rewrites.
    struct Story {
        var title: String
        var paragraphs: [String]
        /// A sentence of the text, and how an outlet rewrote it.
        var edit: (from: String, to: String)
        var chinese: Bool
    }

    /// A labelled pair: title and body HTML of each side.
    struct Pair {
        var label: String
        var a: (title: String, html: String)
        var b: (title: String, html: String)
        var same: Bool
    }

    static let wire: [Story] = [
        Story(
            title: "我国首条跨海高铁全线贯通",
            paragraphs: [
                "记者从国铁集团获悉，福厦高铁泉州湾跨海大桥今天完成最后一段箱梁架设，标志着我国首条跨海高铁全线贯通。",
                "福厦高铁北起福州，南至厦门和漳州，线路全长277公里，设计时速350公里，是国家“八纵八横”高速铁路网沿海通道的重要组成部分。",
                "泉州湾跨海大桥全长20.3公里，其中海上段长约9公里。建设者克服了台风频发、海水腐蚀等困难，创新采用了多项桥梁施工技术。",
                "全线开通运营后，福州至厦门将实现“一小时生活圈”，对促进海峡西岸经济区发展具有重要意义。",
            ],
            edit: ("建设者克服了台风频发、海水腐蚀等困难，创新采用了多项桥梁施工技术。",
                   "面对台风多发和海水侵蚀等难题，施工团队研发应用了一系列新技术。"),
            chinese: true),
        Story(
            title: "今年夏粮总产量再创历史新高",
            paragraphs: [
                "国家统计局今天发布的数据显示，今年全国夏粮总产量14948万吨，比上年增加123万吨，增长0.8%，再创历史新高。",
                "分品种看，小麦产量13822万吨，比上年增加100万吨。夏粮播种面积26613千公顷，单位面积产量每公顷5617公斤。",
                "国家统计局农村司负责人表示，各地区各部门认真落实粮食安全党政同责，加大对粮食生产的支持力度，夏粮生产克服了干旱等不利影响。",
                "专家指出，夏粮丰收为稳定全年粮食生产奠定了坚实基础，也为稳物价、保民生提供了有力支撑。",
            ],
            edit: ("专家指出，夏粮丰收为稳定全年粮食生产奠定了坚实基础，也为稳物价、保民生提供了有力支撑。",
                   "业内人士认为，夏粮再获丰收，为全年粮食稳产打下了良好基础。"),
            chinese: true),
        Story(
            title: "多地出台措施促进新能源汽车消费",
            paragraphs: [
                "近期，北京、上海、广东、浙江等多地相继出台措施，通过发放消费券、增加号牌指标、完善充电设施等方式促进新能源汽车消费。",
                "广东省提出，年内新增公共充电桩2万个，对购买新能源汽车的个人消费者给予最高8000元的补贴。浙江省则明确，县城和乡镇将加快布局充电网络。",
                "中国汽车工业协会数据显示，今年前10个月，我国新能源汽车产销分别完成735.2万辆和728万辆，同比分别增长33.9%和37.8%。",
                "业内人士表示，随着配套设施不断完善，新能源汽车下乡将释放更大的消费潜力。",
            ],
            edit: ("业内人士表示，随着配套设施不断完善，新能源汽车下乡将释放更大的消费潜力。",
                   "分析人士认为，充电设施日益完善之后，农村市场有望成为新能源汽车新的增长点。"),
            chinese: true),
        Story(
            title: "长江流域进入主汛期 水利部启动防汛四级应急响应",
            paragraphs: [
                "水利部今天针对江西、湖南、湖北、安徽四省启动洪水防御Ⅳ级应急响应，并派出3个工作组赴一线指导防汛工作。",
                "据气象部门预报，未来三天长江中下游地区将有一次强降雨过程，部分地区累计降雨量可达150至200毫米，鄱阳湖、洞庭湖水系部分河流可能发生超警洪水。",
                "水利部要求各地密切监视雨情水情，加强水库安全度汛管理，提前转移危险区域群众，确保人民群众生命安全。",
                "目前，长江干流各控制站水位均在警戒水位以下，三峡水库入库流量为每秒3.2万立方米。",
            ],
            edit: ("水利部要求各地密切监视雨情水情，加强水库安全度汛管理，提前转移危险区域群众，确保人民群众生命安全。",
                   "水利部强调，要盯紧雨情水情变化，做好水库度汛和危险区人员转移工作。"),
            chinese: true),
        Story(
            title: "第六届进博会签约意向成交额创新高",
            paragraphs: [
                "第六届中国国际进口博览会今天闭幕。据进博局介绍，本届进博会按一年计意向成交784.1亿美元，比上届增长6.7%，创历史新高。",
                "本届进博会共有来自128个国家和地区的3486家企业参展，展览面积达36.7万平方米。参展的世界500强和行业龙头企业达289家，数量为历届之最。",
                "展会期间，共发布新产品、新技术、新服务442项，一批首发首展项目受到关注。",
                "进博局负责人表示，第七届进博会已有200多家企业签约报名，展览面积超过10万平方米。",
            ],
            edit: ("展会期间，共发布新产品、新技术、新服务442项，一批首发首展项目受到关注。",
                   "六天展期内，参展商集中发布了442项新产品、新技术和新服务。"),
            chinese: true),
        Story(
            title: "漯河市举办首届食品博览会",
            paragraphs: [
                "11月15日，首届中国（漯河）食品博览会在漯河国际会展中心开幕，来自全国20多个省份的600余家食品企业参展。",
                "本届博览会以“品质食品、美好生活”为主题，设置肉制品、休闲食品、饮品、预制菜等8个展区，展览面积3.5万平方米。",
                "开幕式上，共签约食品产业项目46个，总投资286亿元，涉及冷链物流、功能食品、食品装备等领域。",
                "漯河是全国重要的食品产业基地，食品产业年营业收入超过2000亿元，被誉为“中国食品名城”。",
            ],
            edit: ("开幕式上，共签约食品产业项目46个，总投资286亿元，涉及冷链物流、功能食品、食品装备等领域。",
                   "开幕当天，46个食品产业项目集中签约，总投资额达286亿元。"),
            chinese: true),
        Story(
            title: "全国铁路国庆黄金周发送旅客创新高",
            paragraphs: [
                "记者从中国国家铁路集团有限公司获悉，国庆黄金周期间，全国铁路累计发送旅客1.95亿人次，日均发送旅客1625万人次，同比增长8.2%。",
                "其中，10月1日发送旅客2009万人次，创单日旅客发送量历史新高。铁路部门累计加开旅客列车1.2万列，最大限度满足旅客出行需求。",
                "为提升旅客出行体验，铁路部门在主要车站增设了母婴候车区、重点旅客服务台，推出了电子客票、候补购票等便民措施。",
                "国铁集团有关负责人表示，节后返程客流仍将保持高位运行，铁路部门将继续加强运输组织。",
            ],
            edit: ("为提升旅客出行体验，铁路部门在主要车站增设了母婴候车区、重点旅客服务台，推出了电子客票、候补购票等便民措施。",
                   "铁路部门还在各大车站开设母婴候车区和重点旅客服务台，方便旅客出行。"),
            chinese: true),
        Story(
            title: "科学家发现大熊猫野外种群数量稳步增长",
            paragraphs: [
                "国家林业和草原局今天发布第五次全国大熊猫调查结果。调查显示，全国野生大熊猫种群数量达到1864只，比十年前增加了268只，增长16.8%。",
                "野生大熊猫分布在四川、陕西、甘肃三省的17个市州、49个县区，栖息地面积258万公顷。",
                "调查还发现，大熊猫国家公园建立以来，栖息地碎片化问题有所缓解，局域种群之间的交流明显增多。",
                "专家表示，大熊猫受威胁程度已由濒危降为易危，但部分小种群仍面临较高的灭绝风险，保护工作任重道远。",
            ],
            edit: ("调查还发现，大熊猫国家公园建立以来，栖息地碎片化问题有所缓解，局域种群之间的交流明显增多。",
                   "大熊猫国家公园设立后，栖息地被分割的情况得到改善，各个小种群往来更加频繁。"),
            chinese: true),
        Story(
            title: "我省启动冬季取暖保供专项行动",
            paragraphs: [
                "为确保群众温暖过冬，省发展改革委、省能源局联合印发通知，即日起在全省启动冬季取暖保供专项行动，时间持续到明年3月底。",
                "通知要求，各地要提前储备煤炭和天然气，城市供热企业的煤炭储备不得低于15天用量，燃气企业要落实不低于日均用气量5%的储气能力。",
                "对农村地区“煤改气”“煤改电”用户，各地要逐户排查设施运行情况，确保供得上、用得起、用得安全。",
                "省能源局有关负责人表示，将建立每日调度机制，对保供不力的地区和企业进行通报。",
            ],
            edit: ("对农村地区“煤改气”“煤改电”用户，各地要逐户排查设施运行情况，确保供得上、用得起、用得安全。",
                   "针对农村“煤改气”“煤改电”家庭，各地将挨家挨户检查设备，保障安全稳定供暖。"),
            chinese: true),
        Story(
            title: "神舟十七号载人飞船发射圆满成功",
            paragraphs: [
                "搭载神舟十七号载人飞船的长征二号F遥十七运载火箭，今天11时14分在酒泉卫星发射中心点火发射，约10分钟后，飞船与火箭成功分离，进入预定轨道。",
                "航天员汤洪波、唐胜杰、江新林状态良好，发射取得圆满成功。这是我国载人航天工程进入空间站应用与发展阶段的第二次载人飞行任务。",
                "按计划，神舟十七号航天员乘组将在空间站驻留约6个月，开展空间科学实验与技术试验，并进行出舱活动和货物气闸舱出舱任务。",
                "此次任务是载人航天工程立项实施以来的第30次发射任务，也是长征系列运载火箭的第494次飞行。",
            ],
            edit: ("按计划，神舟十七号航天员乘组将在空间站驻留约6个月，开展空间科学实验与技术试验，并进行出舱活动和货物气闸舱出舱任务。",
                   "根据安排，三名航天员将在轨工作大约半年，完成多项科学实验和出舱任务。"),
            chinese: true),
        Story(
            title: "城市更新行动让老旧小区焕新颜",
            paragraphs: [
                "今年以来，我市加快推进城市更新行动，全年计划改造老旧小区126个，涉及居民3.8万户，目前已开工118个，完工64个。",
                "改造内容包括管网更新、加装电梯、外墙保温、增设停车位和充电桩等。在建设路街道的一个小区，6部新装的电梯已投入使用，老人们上下楼不再犯难。",
                "市住建局负责人介绍，改造坚持“居民点单、政府买单”，每个小区的改造方案都经过居民议事会讨论通过。",
                "下一步，我市还将结合改造建设一批社区食堂、托育中心和养老服务站，打造“15分钟生活圈”。",
            ],
            edit: ("市住建局负责人介绍，改造坚持“居民点单、政府买单”，每个小区的改造方案都经过居民议事会讨论通过。",
                   "据市住建局介绍，各小区改什么、怎么改，都由居民议事会商量决定。"),
            chinese: true),
        Story(
            title: "央行宣布下调存款准备金率0.25个百分点",
            paragraphs: [
                "中国人民银行今天宣布，将于12月5日下调金融机构存款准备金率0.25个百分点，不含已执行5%存款准备金率的金融机构。",
                "本次下调后，金融机构加权平均存款准备金率约为7.4%。此次降准共计释放长期资金约5000亿元。",
                "人民银行有关负责人表示，此次降准是为了巩固经济回升向好态势，保持流动性合理充裕，降低金融机构资金成本。",
                "人民银行将继续实施稳健的货币政策，精准有力，不搞大水漫灌，为实体经济提供更有力支持。",
            ],
            edit: ("人民银行有关负责人表示，此次降准是为了巩固经济回升向好态势，保持流动性合理充裕，降低金融机构资金成本。",
                   "央行相关负责人称，降准旨在稳固经济恢复势头，让市场流动性保持合理充裕。"),
            chinese: true),
        Story(
            title: "Central bank holds rates steady as inflation cools",
            paragraphs: [
                "The central bank left its benchmark interest rate unchanged at 5.25 percent on Wednesday, saying inflation had cooled faster than expected over the summer but remained above its target.",
                "Policymakers voted seven to two to hold, with the two dissenters favouring a quarter-point cut. Consumer prices rose 3.1 percent in the year to October, down from 4.6 percent in September.",
                "The governor told reporters that it was too early to declare victory and that rates would need to stay high for an extended period to bring inflation back to 2 percent.",
                "Markets had widely expected the decision. The currency was little changed after the announcement, while government bond yields edged lower.",
            ],
            edit: ("The governor told reporters that it was too early to declare victory and that rates would need to stay high for an extended period to bring inflation back to 2 percent.",
                   "Speaking after the meeting, the governor warned against complacency, saying borrowing costs would remain elevated for some time."),
            chinese: false),
        Story(
            title: "Wildfire forces thousands to evacuate in northern California",
            paragraphs: [
                "A fast-moving wildfire tore through dry brush in northern California on Sunday, forcing more than 12,000 residents to flee their homes as firefighters struggled against gusty winds.",
                "The blaze, which started near a highway on Saturday afternoon, had burned about 18,000 acres by Sunday evening and was 5 percent contained, according to state fire officials.",
                "At least 40 structures have been destroyed, officials said, and power was cut to some 30,000 customers as a precaution. No deaths have been reported.",
                "Forecasters warned that the winds would persist through Monday, raising the risk that the fire could spread toward several small towns to the east.",
            ],
            edit: ("At least 40 structures have been destroyed, officials said, and power was cut to some 30,000 customers as a precaution. No deaths have been reported.",
                   "Officials said dozens of buildings had been lost and the utility shut off electricity to tens of thousands of homes; there were no reports of fatalities."),
            chinese: false),
        Story(
            title: "Tech giant unveils new chip to power AI data centers",
            paragraphs: [
                "The company on Tuesday unveiled a new processor designed to run artificial intelligence software in data centers, stepping up its challenge to the market leader.",
                "The chip, which will ship to customers early next year, offers twice the memory of its predecessor and can train large language models up to 40 percent faster, the company said.",
                "Its chief executive said demand for AI computing was growing faster than anyone had predicted and that the firm expected the market for such chips to reach 400 billion dollars within four years.",
                "Shares of the company rose 3 percent in after-hours trading following the announcement.",
            ],
            edit: ("Its chief executive said demand for AI computing was growing faster than anyone had predicted and that the firm expected the market for such chips to reach 400 billion dollars within four years.",
                   "The chief executive predicted that spending on AI accelerators would soar, putting the market at 400 billion dollars in four years."),
            chinese: false),
        Story(
            title: "Marathon record falls in Chicago",
            paragraphs: [
                "Kenya's Kelvin Kiptum broke the men's marathon world record in Chicago on Sunday, finishing in two hours and 35 seconds and becoming the first man to run under two hours and one minute in an official race.",
                "The 23-year-old pulled away from his rivals after the halfway mark and ran the second half of the course alone, cheered on by tens of thousands of spectators lining the streets.",
                "His time took 34 seconds off the previous record, set in Berlin last year. In the women's race, the Netherlands' Sifan Hassan won in the second-fastest time in history.",
                "Kiptum said after the race that he had come to Chicago to run fast and that he believed even quicker times were possible.",
            ],
            edit: ("Kiptum said after the race that he had come to Chicago to run fast and that he believed even quicker times were possible.",
                   "Afterwards Kiptum told reporters the record was his goal all along and that he could go faster still."),
            chinese: false),
        Story(
            title: "City council approves plan to expand light rail",
            paragraphs: [
                "The city council voted 11 to 4 on Thursday to approve a 2.3 billion dollar plan to extend the light rail network to the airport and two fast-growing suburbs.",
                "The project will add 14 miles of track and nine new stations. Construction is expected to begin in 2025, with the first trains running by the end of the decade.",
                "Supporters said the expansion would ease traffic congestion and cut emissions, while opponents questioned whether ridership forecasts were realistic given the rise of remote work.",
                "About half of the cost will be covered by federal grants, with the rest coming from a sales tax increase approved by voters last year.",
            ],
            edit: ("Supporters said the expansion would ease traffic congestion and cut emissions, while opponents questioned whether ridership forecasts were realistic given the rise of remote work.",
                   "Backers argued the line would reduce traffic and pollution; critics doubted the ridership estimates now that many people work from home."),
            chinese: false),
        Story(
            title: "Scientists map the brain of a fruit fly in full",
            paragraphs: [
                "Researchers have produced the first complete map of the brain of an adult fruit fly, charting all of its roughly 140,000 neurons and more than 50 million connections between them.",
                "The wiring diagram, published on Wednesday, took more than a decade to assemble and relied on thousands of hours of work by volunteers who checked images produced by artificial intelligence.",
                "Scientists say the map will help them understand how brains process information, from how a fly spots food to how it decides when to take off.",
                "The team has made the data freely available, and hundreds of laboratories around the world are already using it in their research.",
            ],
            edit: ("Scientists say the map will help them understand how brains process information, from how a fly spots food to how it decides when to take off.",
                   "Researchers hope the diagram will reveal how a brain turns what it senses into behaviour, such as finding food or deciding to fly away."),
            chinese: false),
    ]

    /// Outlets' additions: a byline or dateline before the text, a source or
    /// editor line after it.
    static let chineseBylines = ["新华社北京3月2日电（记者 王某）", "本报讯（记者 李明 通讯员 赵亮）", "（记者 张华）", "中新网11月5日电"]
    static let chineseSources = ["（文章来源：漯河日报）", "来源：人民网", "责任编辑：刘洋", "（来源：新华社）"]
    static let englishBylines = ["By Jane Doe", "By Mark Smith and Priya Patel, Reuters", "(AP) —"]
    static let englishSources = ["Source: Reuters", "(Reporting by Tom Brown; Editing by Ann Lee)", "Editing by Ann Lee"]

    static func html(_ paragraphs: [String]) -> String {
        paragraphs.map { "<p>\($0)</p>" }.joined(separator: "\n")
    }

    /// The syndicated copies: for each wire story, the original and three
    /// outlets' versions, paired four ways.
    static var copies: [Pair] {
        var pairs: [Pair] = []
        for (number, story) in wire.enumerated() {
            let bylines = story.chinese ? chineseBylines : englishBylines
            let sources = story.chinese ? chineseSources : englishSources
            let byline = bylines[number % bylines.count]
            let source = sources[number % sources.count]
            let original = (story.title, html(story.paragraphs))
            // 1: edited headline, a byline paragraph and a source line.
            let headline = story.chinese ? story.title + "（图）" : story.title + " - update"
            let first = (headline, html([byline] + story.paragraphs + [source]))
            // 2: the byline run into the first paragraph, one sentence cut short
            // (its first clause dropped, as a copy editor trims).
            var edited = story.paragraphs.map { $0.replacingOccurrences(of: story.edit.from, with: trimmed(story.edit.from)) }
            edited[0] = byline + edited[0]
            let second = (story.title, html(edited))
            // 3: other markup (one block, line breaks, bold lead), source and editor
            // in the last paragraph, half-width punctuation.
            let editor = story.chinese ? "责任编辑：陈晨" : "Editing by Paul Green"
            var paragraphs = story.paragraphs
            paragraphs[paragraphs.count - 1] += source + " " + editor
            let body = "<div><strong>\(paragraphs[0])</strong><br>" + paragraphs.dropFirst().joined(separator: "<br><br>") + "</div>"
            let third = (story.title, body.replacingOccurrences(of: "，", with: ",").replacingOccurrences(of: "。", with: "."))
            pairs.append(Pair(label: "copy \(number): edited headline, byline, source", a: original, b: first, same: true))
            pairs.append(Pair(label: "copy \(number): byline inline, sentence trimmed", a: original, b: second, same: true))
            pairs.append(Pair(label: "copy \(number): markup and source, editor", a: original, b: third, same: true))
            pairs.append(Pair(label: "copy \(number): two outlets' versions", a: first, b: third, same: true))
        }
        return pairs
    }

    /// A sentence without its first clause.
    static func trimmed(_ sentence: String) -> String {
        for separator in ["，", ", "] {
            if let range = sentence.range(of: separator) { return String(sentence[range.upperBound...]) }
        }
        return sentence
    }

    /// Copies with one sentence fully rewritten in other words: in stories this
    /// short, a quarter of the text. Reported apart (README), not counted in the
    /// precision and recall: at a threshold of 0.85 they are not near-copies.
    static var rewrites: [Pair] {
        wire.enumerated().map { number, story in
            Pair(label: "rewrite \(number)", a: (story.title, html(story.paragraphs)),
                 b: (story.title, html(story.paragraphs.map { $0.replacingOccurrences(of: story.edit.from, with: story.edit.to) })),
                 same: true)
        }
    }

    /// Daily reports made from one template, differing in their figures.
    static var marketReports: [Pair] {
        func stocks(_ f: [String]) -> (String, String) {
            ("沪深股市收盘", html([
                "截至今日收盘，上证综指报\(f[0])点，\(f[1])；深证成指报\(f[2])点，\(f[3])；创业板指报\(f[4])点，\(f[5])。",
                "沪深两市全天成交额合计\(f[6])亿元，较上一交易日\(f[7])。北向资金全天净买入\(f[8])亿元。",
                "盘面上，半导体、白酒、证券板块涨幅居前，煤炭、钢铁、房地产板块跌幅居前。",
            ]))
        }
        func yuan(_ f: [String]) -> (String, String) {
            ("人民币汇率中间价", html([
                "来自中国外汇交易中心的数据显示，今日人民币对美元汇率中间价报\(f[0])，较前一交易日\(f[1])个基点。",
                "人民币对欧元中间价报\(f[2])，对日元中间价报\(f[3])，对港元中间价报\(f[4])，对英镑中间价报\(f[5])。",
                "在岸人民币对美元16时30分收盘报\(f[6])，离岸人民币对美元报\(f[7])。",
            ]))
        }
        func weather(_ f: [String]) -> (String, String) {
            ("今日天气", html([
                "据市气象台预报，今天白天\(f[0])，最高气温\(f[1])℃，夜间\(f[2])，最低气温\(f[3])℃，\(f[4])风\(f[5])级。",
                "空气质量\(f[6])，首要污染物为PM2.5，相对湿度\(f[7])%。",
                "气象部门提醒，早晚温差较大，市民出行请注意适时增减衣物。",
            ]))
        }
        func markets(_ f: [String]) -> (String, String) {
            ("Stocks close \(f[9]) as investors weigh earnings", html([
                "The Dow Jones Industrial Average \(f[0]) \(f[1]) points, or \(f[2]) percent, to \(f[3]) on the day. The S&P 500 \(f[0]) \(f[4]) percent to \(f[5]) and the Nasdaq Composite \(f[0]) \(f[6]) percent to \(f[7]).",
                "Oil prices settled at \(f[8]) dollars a barrel. The 10-year Treasury yield stood at \(f[10]) percent.",
            ]))
        }
        let stockDays: [[String]] = [
            ["3052.21", "涨0.52%", "9834.17", "涨0.81%", "1932.04", "涨1.02%", "8234", "放量512亿元", "45.6"],
            ["3038.77", "跌0.44%", "9770.51", "跌0.65%", "1915.30", "跌0.87%", "7721", "缩量513亿元", "12.3"],
            ["3061.09", "涨0.73%", "9901.62", "涨1.34%", "1950.45", "涨1.83%", "9012", "放量1291亿元", "61.8"],
        ]
        let yuanDays: [[String]] = [
            ["7.1052", "上调23", "7.7241", "4.7816", "0.90921", "8.8520", "7.2831", "7.2905"],
            ["7.1079", "下调27", "7.7580", "4.7702", "0.90955", "8.8931", "7.2870", "7.2933"],
            ["7.1011", "上调68", "7.7119", "4.8012", "0.90880", "8.8412", "7.2794", "7.2850"],
        ]
        let weatherDays: [[String]] = [
            ["晴转多云", "14", "多云", "3", "北", "3到4", "良", "45"],
            ["多云转阴", "11", "小雨", "5", "东北", "2到3", "轻度污染", "78"],
            ["晴", "16", "晴", "2", "西北", "4到5", "优", "31"],
        ]
        let marketDays: [[String]] = [
            ["rose", "212.47", "0.62", "34,512.73", "0.48", "4,402.20", "0.37", "13,683.99", "81.42", "higher", "4.61"],
            ["fell", "305.19", "0.89", "34,207.54", "0.71", "4,370.95", "1.05", "13,540.40", "79.88", "lower", "4.55"],
            ["rose", "88.06", "0.26", "34,295.60", "0.15", "4,377.51", "0.42", "13,597.27", "80.61", "higher", "4.58"],
        ]
        var pairs: [Pair] = []
        for (name, make, days) in [("stocks", stocks, stockDays), ("yuan", yuan, yuanDays),
                                   ("weather", weather, weatherDays), ("markets", markets, marketDays)] {
            for first in days.indices {
                for second in days.indices where second > first {
                    pairs.append(Pair(label: "\(name) report, days \(first) and \(second)",
                                      a: make(days[first]), b: make(days[second]), same: false))
                }
            }
        }
        return pairs
    }

    /// Two outlets' own stories on one event: same facts, their own words.
    static let sameEvent: [Pair] = [
        Pair(label: "same event: cross-sea railway",
             a: (wire[0].title, html(wire[0].paragraphs)),
             b: ("福厦高铁跨海大桥合龙 福州到厦门将一小时通达", html([
                 "经过五年多建设，福厦高铁泉州湾跨海大桥今天顺利合龙，这条连接福州、莆田、泉州、厦门、漳州的沿海高铁实现全线贯通。",
                 "这座大桥位于泉州湾入海口，桥址处风大浪急，海床地质复杂。项目部负责人说，为了抵御台风，桥梁采用了抗风性能更好的结构设计。",
                 "福厦高铁预计年内开通，届时福州到厦门的最短旅行时间将由目前的一个半小时左右压缩到一小时以内，沿线城市联系将更加紧密。",
             ])), same: false),
        Pair(label: "same event: crewed launch",
             a: (wire[9].title, html(wire[9].paragraphs)),
             b: ("三名航天员出征太空 开启为期半年的太空之旅", html([
                 "今天上午，酒泉卫星发射中心举行航天员出征仪式，汤洪波、唐胜杰、江新林三名航天员在欢送声中走向发射塔架。",
                 "这是汤洪波第二次执行飞行任务，而唐胜杰和江新林都是首次飞天。其中唐胜杰出生于1989年，成为目前执行飞行任务最年轻的中国航天员。",
                 "火箭升空后，指挥大厅内响起热烈掌声。航天员们将在空间站与神舟十六号乘组完成在轨轮换。",
             ])), same: false),
        Pair(label: "same event: reserve ratio cut",
             a: (wire[11].title, html(wire[11].paragraphs)),
             b: ("降准落地 专家称有助于稳定市场预期", html([
                 "央行今天宣布降准0.25个百分点后，多位经济学家接受采访时表示，此举释放了稳增长的积极信号。",
                 "一位首席经济学家说，年末是资金需求旺季，降准可以缓解银行的负债压力，也为明年初信贷投放做好准备。",
                 "也有分析人士认为，在美联储维持高利率的背景下，央行更倾向于通过数量型工具而非降息来支持经济，以保持人民币汇率基本稳定。",
             ])), same: false),
        Pair(label: "same event: panda census",
             a: (wire[7].title, html(wire[7].paragraphs)),
             b: ("野生大熊猫增至1864只 保护区巡护员讲述十年变化", html([
                 "在四川卧龙自然保护区工作了二十年的巡护员老杨，对大熊猫数量的增长有最直观的感受：“以前一年也碰不到几次粪便，现在经常能看到新鲜的痕迹。”",
                 "第五次全国大熊猫调查结果公布后，保护区的工作人员都很振奋。老杨说，最近几年红外相机拍到的大熊猫影像明显多了，还拍到过母兽带着幼崽的画面。",
                 "不过他也坦言，山里的道路和小水电站曾经把栖息地割裂开来，恢复廊道还需要更多时间。",
             ])), same: false),
        Pair(label: "same event: marathon record",
             a: (wire[15].title, html(wire[15].paragraphs)),
             b: ("Kiptum smashes world record with stunning Chicago run", html([
                 "Kelvin Kiptum produced one of the greatest performances in distance running history on Sunday, lowering the marathon world record to 2:00:35 on the streets of Chicago.",
                 "Running only his third marathon, the Kenyan surged away from his training partner at around 30 kilometres and never looked back, covering the final stretch with remarkable ease.",
                 "Coaches and former champions said the result made a sub-two-hour marathon in competition seem a realistic prospect within the next few years.",
             ])), same: false),
        Pair(label: "same event: wildfire",
             a: (wire[13].title, html(wire[13].paragraphs)),
             b: ("Residents describe frantic escape as fire races toward town", html([
                 "Maria Lopez had about ten minutes to gather her children, two dogs and a box of family photographs before the flames reached the ridge behind her house on Sunday.",
                 "Hers was one of thousands of families ordered to leave as the fire, driven by strong winds, jumped a highway and spread into the hills of northern California.",
                 "At an evacuation centre set up in a school gymnasium, volunteers handed out blankets and water while people waited for news of their homes.",
             ])), same: false),
    ]

    /// Press releases of one company: a long boilerplate paragraph shared, news of their own.
    static var pressReleases: [Pair] {
        let chineseBoilerplate = "关于华晟科技：华晟科技股份有限公司成立于2005年，总部位于深圳，是全球领先的智能终端和物联网解决方案提供商，业务覆盖全球120多个国家和地区，拥有员工2.3万人，其中研发人员占比超过45%。公司坚持以技术创新为核心驱动力，累计申请专利超过1.2万件，致力于让每个人都能享受科技带来的美好生活。"
        let englishBoilerplate = "About Northwind Systems: Northwind Systems is a global provider of cloud infrastructure and security software, serving more than 20,000 customers in 90 countries. Founded in 2004 and headquartered in Austin, Texas, the company employs over 8,000 people and is listed on the Nasdaq stock exchange. For more information, visit the company's website or follow it on social media."
        let chinese = [
            ("华晟科技发布新一代折叠屏手机", "华晟科技今天在深圳发布新一代折叠屏手机，新机采用自研铰链，重量仅为239克，展开后屏幕达到7.8英寸，售价7999元起，将于下周一正式开售。"),
            ("华晟科技与西部三省签署智慧农业合作协议", "华晟科技与陕西、甘肃、宁夏三省区签署智慧农业合作协议，未来三年将投入15亿元建设农业物联网平台，为10万户农户提供病虫害监测和精准灌溉服务。"),
            ("华晟科技公布第三季度业绩", "华晟科技公布第三季度财报，季度营收为386亿元，同比增长12%；净利润为41亿元，同比增长18%。海外市场收入占比首次超过四成。"),
        ]
        let english = [
            ("Northwind Systems reports record quarterly revenue", "Northwind Systems today reported third-quarter revenue of 1.42 billion dollars, up 19 percent from a year earlier, driven by strong demand for its managed firewall service. The company raised its full-year outlook."),
            ("Northwind Systems to acquire data backup startup", "Northwind Systems announced an agreement to acquire Vaultline, a startup that makes backup software for small businesses, for 310 million dollars in cash. The deal is expected to close in the first quarter."),
            ("Northwind Systems names new chief financial officer", "Northwind Systems said Laura Chen will join as chief financial officer on March 1. Chen previously spent twelve years at a large payments company, where she led investor relations and corporate planning."),
        ]
        var pairs: [Pair] = []
        for (boilerplate, releases) in [(chineseBoilerplate, chinese), (englishBoilerplate, english)] {
            for first in releases.indices {
                for second in releases.indices where second > first {
                    pairs.append(Pair(
                        label: "press releases \(releases[first].0) / \(releases[second].0)",
                        a: (releases[first].0, html([releases[first].1, boilerplate])),
                        b: (releases[second].0, html([releases[second].1, boilerplate])), same: false))
                }
            }
        }
        return pairs
    }

    /// Every pair of different wire stories.
    static var unrelated: [Pair] {
        var pairs: [Pair] = []
        for first in wire.indices {
            for second in wire.indices where second > first {
                pairs.append(Pair(label: "unrelated \(first) / \(second)",
                                  a: (wire[first].title, html(wire[first].paragraphs)),
                                  b: (wire[second].title, html(wire[second].paragraphs)), same: false))
            }
        }
        return pairs
    }

    /// The whole labelled set.
    static var all: [Pair] { copies + marketReports + sameEvent + pressReleases + unrelated }
}
