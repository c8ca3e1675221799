import type { Store } from '../../pipeline/store/store.ts';
import { ClaimFixtures } from '../fixtures/claims.ts';

/**
 * P1 低保 (subsistence) in psn_info, on the aid_roster as 防止返贫监测对象 (monitored) for January only: Jan stay oop
 *   6,500 (the single-stay trigger, which by default only monitored persons have), Feb stay → ytd 11,000 (level 1),
 *   Mar a reversed 50,000 stay (ignored), Apr outpatient → ytd 21,000 (level 2).
 * P2 general in psn_info but on the aid_roster as monitored from March: ytd 11,500 in March → level 1.
 * P3 general: ytd 49,999.99, just under 50,000 → nothing.
 */
export async function seedEarlyWarning(store: Store): Promise<void> {
  const fx = new ClaimFixtures(store);
  fx.provider({ fixmedins_code: 'H1', admdvs: '421000' });
  fx.person({ psn_no: 'P1', psn_name: '张三', certno: '110101199003074514', insu_admdvs: '421000', aid_category: 'subsistence' });
  fx.person({ psn_no: 'P2', psn_name: '欧阳娜娜', certno: '420102198501011234', insu_admdvs: '421000', aid_category: null });
  fx.person({ psn_no: 'P3', psn_name: '李四', certno: '420102198501015678', insu_admdvs: '421000', aid_category: null });
  const visit = (id: string, psn: string, type: string, begin: string, code: string, name: string) =>
    fx.visit({ mdtrt_id: id, psn_no: psn, med_type: type, begntime: `${begin} 09:00:00`, endtime: `${begin} 17:00:00`, dscg_maindiag_code: code, dscg_maindiag_name: name });
  visit('V1', 'P1', '21', '2026-01-10', 'J18.900', '肺炎');
  fx.settlement({ setl_id: 'S1', mdtrt_id: 'V1', medfee_sumamt: 20000, fund_pay_sumamt: 13500, hifmi_pay: 1000, maf_pay: 500 });
  visit('V2', 'P1', '21', '2026-02-10', 'C34.900', '肺恶性肿瘤');
  fx.settlement({ setl_id: 'S2', mdtrt_id: 'V2', medfee_sumamt: 10000, fund_pay_sumamt: 5500, hifmi_pay: 0, maf_pay: 300 });
  visit('V3', 'P1', '21', '2026-03-10', 'K35.800', '阑尾炎');
  fx.settlement({ setl_id: 'S3', mdtrt_id: 'V3', medfee_sumamt: 50000, fund_pay_sumamt: 0, refd_setl_flag: 1 });
  fx.settlement({ setl_id: 'S3X', mdtrt_id: 'V3', medfee_sumamt: -50000, fund_pay_sumamt: 0, refd_setl_flag: 1, init_setl_id: 'S3' });
  visit('V4', 'P1', '14', '2026-04-10', 'C34.900', '肺恶性肿瘤');
  fx.settlement({ setl_id: 'S4', mdtrt_id: 'V4', medfee_sumamt: 16000, fund_pay_sumamt: 6000, hifmi_pay: 2000, maf_pay: 0 });

  visit('V5', 'P2', '11', '2026-01-20', 'I10.x00', '高血压');
  fx.settlement({ setl_id: 'S5', mdtrt_id: 'V5', medfee_sumamt: 10000, fund_pay_sumamt: 1000 });
  visit('V6', 'P2', '11', '2026-02-20', 'I10.x00', '高血压');
  fx.settlement({ setl_id: 'S6', mdtrt_id: 'V6', medfee_sumamt: 4000, fund_pay_sumamt: 2000 });
  visit('V7', 'P2', '11', '2026-03-20', 'E11.900', '2型糖尿病');
  fx.settlement({ setl_id: 'S7', mdtrt_id: 'V7', medfee_sumamt: 1000, fund_pay_sumamt: 500 });
  fx.row('aid_roster', { certno: '420102198501011234', aid_category: 'monitored', valid_from: '2026-03-01', valid_to: null });
  fx.row('aid_roster', { certno: '110101199003074514', aid_category: 'monitored', valid_from: '2026-01-01', valid_to: '2026-01-31' });

  visit('V8', 'P3', '21', '2026-02-01', 'S72.000', '股骨颈骨折');
  fx.settlement({ setl_id: 'S8', mdtrt_id: 'V8', medfee_sumamt: 99999.99, fund_pay_sumamt: 50000 });
  await fx.flush();
}

export const TWO_DEPARTMENTS = {
  referrals: {
    departments: [
      { id: 'civil_affairs-421000', department: 'civil_affairs', regions: ['421000'], file_drop: true },
      { id: 'agri_rural-42', department: 'agri_rural', regions: ['42*'], file_drop: true, full_id: true },
    ],
  },
};
