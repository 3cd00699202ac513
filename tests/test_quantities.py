"""Table-driven cases for quantity parsing: (span text, metric, value, unit, comparator, change)."""
import pytest

from model.quantities import parse_quantity

CASES = [
    # comparators
    ("地区生产总值增长5.5%左右", "地区生产总值", 5.5, "%", "about", "growth_rate"),
    ("城镇调查失业率5.5%以内", "城镇调查失业率", 5.5, "%", "at_most", "level"),
    ("城镇新增就业60万人以上", "城镇新增就业", 600000, "人", "at_least", "increase"),
    ("研发投入强度提高到3%以上", "研发投入强度", 3, "%", "at_least", "level"),
    ("居民消费价格涨幅3%左右", "居民消费价格", 3, "%", "about", "growth_rate"),
    ("粮食产量稳定在1300万吨以上", "粮食产量", 13000000, "吨", "at_least", "level"),
    ("减税降费及退税超1500亿元", "减税降费及退税", 150000000000, "元", "at_least", "level"),
    ("社会消费品零售总额突破2万亿元", "社会消费品零售总额", 2000000000000, "元", "at_least", "level"),
    ("赤字率不超过3%", "赤字率", 3, "%", "at_most", "level"),
    ("一般公共预算收入不低于500亿元", "一般公共预算收入", 50000000000, "元", "at_least", "level"),
    ("单位GDP能耗下降3.2%左右", "单位GDP能耗", 3.2, "%", "about", "decrease"),
    ("居民人均可支配收入增长5%-6%", "居民人均可支配收入", [5, 6], "%", "range", "growth_rate"),
    ("固定资产投资增长5%至6%", "固定资产投资", [5, 6], "%", "range", "growth_rate"),
    ("PM2.5平均浓度控制在30微克/立方米以内", "PM2.5平均浓度", 30, "微克/立方米", "at_most", "level"),
    # unit families and scales
    ("引进外资15亿美元", "引进外资", 1500000000, "美元", "exact", "increase"),
    ("新开工项目120个", "新开工项目", 120, "个", "exact", "increase"),
    ("港口集装箱吞吐量1200万标箱", "港口集装箱吞吐量", 12000000, "标箱", "exact", "level"),
    ("总投资902亿元", "总投资", 90200000000, "元", "exact", "level"),
    ("民营企业进出口5.53万亿元", "民营企业进出口", 5530000000000, "元", "exact", "level"),
    ("5G基站1.2万个", "5G基站", 12000, "个", "exact", "level"),
    ("高于全国12.4个百分点", "高于全国", 12.4, "个百分点", "at_least", "level"),
    ("新增城镇就业12.5万人", "新增城镇就业", 125000, "人", "exact", "increase"),
    ("1.02万家企业启动数字化改造", "企业启动数字化改造", 10200, "家", "exact", "level"),
    ("规上工业增加值增长7.8%", "规上工业增加值", 7.8, "%", "exact", "growth_rate"),
    ("完成年度目标的118%", "年度目标", 118, "%", "exact", "level"),
    ("增加就业20万人", "就业", 200000, "人", "exact", "increase"),
    ("出口增长2倍", "出口", 2, "倍", "exact", "multiple"),
    # Chinese numerals and mixed forms
    ("地区生产总值增长百分之五", "地区生产总值", 5, "%", "exact", "growth_rate"),
    ("投资三千亿元", "投资", 300000000000, "元", "exact", "level"),
    ("财政科技投入翻一番", "财政科技投入", 2, "倍", "exact", "multiple"),
    ("经济总量翻两番", "经济总量", 4, "倍", "exact", "multiple"),
    ("数字经济核心产业收入保持两位数增长", "数字经济核心产业收入", 10, "%", "at_least", "growth_rate"),
    ("经济增长预期目标为5%左右", "经济增长预期目标", 5, "%", "about", "level"),
    # more report indicators
    ("常住人口城镇化率提高到68%", "常住人口城镇化率", 68, "%", "exact", "level"),
    ("粮食总产量1.2亿斤", "粮食总产量", 120000000, "斤", "exact", "level"),
    ("外贸进出口总额增长8%以上", "外贸进出口总额", 8, "%", "at_least", "growth_rate"),
    ("实际使用外资20亿美元", "实际使用外资", 2000000000, "美元", "exact", "level"),
    ("新建改造农村公路3000公里", "新建改造农村公路", 3000, "公里", "exact", "increase"),
    ("完成造林50万亩", "造林", 500000, "亩", "exact", "level"),
    ("新增高新技术企业1000家以上", "新增高新技术企业", 1000, "家", "at_least", "increase"),
    ("空气质量优良天数比例达到90%以上", "空气质量优良天数比例", 90, "%", "at_least", "level"),
    ("单位地区生产总值二氧化碳排放降低3.9%", "单位地区生产总值二氧化碳排放", 3.9, "%", "exact", "decrease"),
    ("税收收入占比约70%", "税收收入占比", 70, "%", "about", "level"),
    ("人口自然增长率控制在千分之五以内", "人口自然增长率", 5, "‰", "at_most", "level"),
    ("新增养老床位1万张", "新增养老床位", 10000, "张", "exact", "increase"),
    ("港口货物吞吐量突破10亿吨", "港口货物吞吐量", 1000000000, "吨", "at_least", "level"),
    ("引进各类人才十二万人", "引进各类人才", 120000, "人", "exact", "increase"),
    ("旅游收入达到一千二百亿元", "旅游收入", 120000000000, "元", "exact", "level"),
    ("出口同比增长百分之十二点五", "出口", 12.5, "%", "exact", "growth_rate"),
    ("快递业务量增长20%左右", "快递业务量", 20, "%", "about", "growth_rate"),
    ("研发经费投入强度2.68%", "研发经费投入强度", 2.68, "%", "exact", "level"),
    ("新开工城市更新项目1000个左右", "新开工城市更新项目", 1000, "个", "about", "increase"),
    ("化肥农药使用量零增长", "化肥农药使用量", 0, "%", "exact", "growth_rate"),
    ("森林覆盖率保持在60%以上", "森林覆盖率", 60, "%", "at_least", "level"),
    ("二氧化硫排放量下降3%", "二氧化硫排放量", 3, "%", "exact", "decrease"),
]


@pytest.mark.parametrize("text, metric, value, unit, comparator, change", CASES, ids=[c[0] for c in CASES])
def test_quantity_fields(text, metric, value, unit, comparator, change):
    q = parse_quantity(text)
    assert (q.metric, q.value, q.unit, q.comparator, q.change) == (metric, value, unit, comparator, change)


@pytest.mark.parametrize("text", ["大幅增长", "稳中有进", "全面完成目标任务", "利用外资规模稳中有升", "一般性支出压减"])
def test_text_without_a_number_has_no_value(text):
    assert parse_quantity(text).value is None
