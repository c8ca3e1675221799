-- The kind of a provider that peer detectors compare like with like: level tier, specialty read from the name
-- (儿童/妇幼/肿瘤/中医/精神/康复/口腔/眼科 hospitals) and type — e.g. 二级医院, 三级肿瘤医院, 诊所, 药店.
CREATE MACRO fw_provider_kind(hosp_lv, fixmedins_type, fixmedins_name) AS
  CASE fw_level_tier(hosp_lv) WHEN '三级' THEN '三级' WHEN '二级' THEN '二级' WHEN '一级' THEN '一级'
       ELSE CASE WHEN fixmedins_type = 'hospital' THEN '未定级' ELSE '' END END
  || CASE WHEN fixmedins_type <> 'hospital' THEN ''
          WHEN fixmedins_name LIKE '%儿童%' THEN '儿童' WHEN fixmedins_name LIKE '%妇幼%' OR fixmedins_name LIKE '%妇产%' THEN '妇幼'
          WHEN fixmedins_name LIKE '%肿瘤%' THEN '肿瘤' WHEN fixmedins_name LIKE '%中医%' OR fixmedins_name LIKE '%中西医%' THEN '中医'
          WHEN fixmedins_name LIKE '%精神%' THEN '精神' WHEN fixmedins_name LIKE '%康复%' THEN '康复'
          WHEN fixmedins_name LIKE '%口腔%' THEN '口腔' WHEN fixmedins_name LIKE '%眼科%' THEN '眼科' ELSE '' END
  || CASE fixmedins_type WHEN 'hospital' THEN '医院' WHEN 'clinic' THEN '诊所' WHEN 'pharmacy' THEN '药店'
          ELSE coalesce(fixmedins_type, '未知类型') || '机构' END;
