import type { Rng } from './rng.ts';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/** GB 11643 check character for the first 17 digits. */
export function certnoCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK[sum % 11]!;
}

export function isValidCertno(certno: string): boolean {
  return /^\d{17}[\dX]$/.test(certno) && certnoCheck(certno.slice(0, 17)) === certno[17];
}

/** 18-char resident ID: 6-digit region, birth date, 3-digit sequence (odd = male), check char. */
export function makeCertno(rng: Rng, region6: string, brdy: string, gend: '1' | '2'): string {
  let seq = rng.int(0, 99) * 10 + rng.int(0, 4) * 2 + (gend === '1' ? 1 : 0);
  if (seq === 0) seq = 2;
  const first17 = region6 + brdy.replaceAll('-', '') + String(seq).padStart(3, '0');
  return first17 + certnoCheck(first17);
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const MALE = '伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国峰亮成志文海东';
const FEMALE = '芳娜敏静丽艳娟霞秀英玲桂兰萍红燕梅琳雪慧颖倩婷洁琴云莉晶蓉丹琳佳月华凤秀';

export function makeName(rng: Rng, gend: '1' | '2'): string {
  const chars = gend === '1' ? MALE : FEMALE;
  const given = rng.chance(0.7) ? rng.pick([...chars]) + rng.pick([...chars]) : rng.pick([...chars]);
  return rng.pick([...SURNAMES]) + given;
}
