import Foundation
import Testing

/// The bytes of a file in Tests/FinewsExtractTests/Fixtures.
func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return try [UInt8](Data(contentsOf: url))
}

/// The paragraphs of the article in the fixture pages, as the extractor should give
/// them: indentation gone, the ideographic space inside the third one kept.
enum ArticleText {
    static let first = "本报讯（记者 王明）记者从市交通运输局获悉，今年前三季度，全市新开通公交线路12条，优化调整线路35条，公交出行分担率比去年同期提高了2.1个百分点。"
    static let second = "据介绍，为方便市民出行，交通部门在老城区增设了社区微循环公交，线路覆盖学校、医院和菜市场等场所，首末班时间也根据乘客需求作了调整。"
    static let third = "市交通运输局相关负责人表示：“下一步将继续完善线网。”\u{3000}他同时提醒，乘客可通过官方应用查询实时到站信息，合理安排出行时间。"
    static let fourth = "此外，喆园路沿线的三个站点将在月底前完成改造，届时站台将加装雨棚和电子站牌，方便乘客候车。"
    static let fifth = "据统计，微循环线路开通一个月以来，日均客流已超过八千人次，高峰时段满载率达到七成以上。"
}
