/**
 * The seed catalog's vocabulary: categories (some nested) and, for each category that holds
 * products, the kinds of product in it with Korean and English names and a price range in won.
 */

export interface SeedCategory {
  slug: string;
  name: string;
  nameEn: string;
  parent?: string;
}

export interface ProductKind {
  name: string;
  nameEn: string;
  minWon: number;
  maxWon: number;
  /** Korean and English phrases describing what it is made of or good for. */
  features: readonly (readonly [string, string])[];
}

export const SEED_CATEGORIES: readonly SeedCategory[] = [
  { slug: 'fashion', name: '패션', nameEn: 'Fashion' },
  { slug: 'shoes', name: '신발', nameEn: 'Shoes', parent: 'fashion' },
  { slug: 'clothing', name: '의류', nameEn: 'Clothing', parent: 'fashion' },
  { slug: 'bags', name: '가방', nameEn: 'Bags', parent: 'fashion' },
  { slug: 'digital', name: '디지털', nameEn: 'Digital' },
  { slug: 'audio', name: '음향기기', nameEn: 'Audio', parent: 'digital' },
  { slug: 'phone-accessories', name: '휴대폰 액세서리', nameEn: 'Phone accessories', parent: 'digital' },
  { slug: 'home', name: '홈·리빙', nameEn: 'Home & living' },
  { slug: 'kitchen', name: '주방용품', nameEn: 'Kitchen', parent: 'home' },
  { slug: 'bedding', name: '침구', nameEn: 'Bedding', parent: 'home' },
  { slug: 'food', name: '식품', nameEn: 'Food' },
  { slug: 'snacks', name: '과자·간식', nameEn: 'Snacks', parent: 'food' },
  { slug: 'coffee-tea', name: '커피·차', nameEn: 'Coffee & tea', parent: 'food' },
  { slug: 'beauty', name: '뷰티', nameEn: 'Beauty' },
];

const comfort = [
  ['가볍고 편안한 착화감', 'light and comfortable fit'],
  ['통기성 좋은 메쉬 갑피', 'breathable mesh upper'],
  ['미끄럼 방지 고무 밑창', 'non-slip rubber sole'],
  ['충격을 흡수하는 쿠션', 'shock-absorbing cushioning'],
] as const;
const fabric = [
  ['부드러운 면 100%', 'soft 100% cotton'],
  ['구김이 적은 원단', 'wrinkle-resistant fabric'],
  ['사계절 입기 좋은 두께', 'a weight for every season'],
  ['세탁기 사용 가능', 'machine washable'],
] as const;
const carry = [
  ['넉넉한 수납 공간', 'roomy storage'],
  ['생활 방수 원단', 'water-resistant fabric'],
  ['노트북 수납 칸', 'a laptop sleeve'],
  ['가벼운 나일론 소재', 'lightweight nylon'],
] as const;
const sound = [
  ['선명한 고음과 풍부한 저음', 'crisp highs and deep bass'],
  ['노이즈 캔슬링', 'noise cancelling'],
  ['최대 30시간 재생', 'up to 30 hours of playback'],
  ['블루투스 5.3 지원', 'Bluetooth 5.3'],
] as const;
const phone = [
  ['고속 충전 지원', 'fast charging'],
  ['낙하 충격 보호', 'drop protection'],
  ['슬림한 디자인', 'a slim design'],
  ['대부분의 스마트폰과 호환', 'works with most smartphones'],
] as const;
const kitchen = [
  ['스테인리스 스틸', 'stainless steel'],
  ['식기세척기 사용 가능', 'dishwasher safe'],
  ['인덕션 겸용', 'induction ready'],
  ['코팅이 오래가는', 'a long-lasting coating'],
] as const;
const bedding = [
  ['알레르기 방지 충전재', 'hypoallergenic filling'],
  ['사계절용', 'for all seasons'],
  ['부드러운 극세사', 'soft microfibre'],
  ['세탁이 쉬운', 'easy to wash'],
] as const;
const snack = [
  ['국내산 재료', 'made with Korean ingredients'],
  ['바삭한 식감', 'a crunchy bite'],
  ['대용량 묶음', 'a family-size pack'],
  ['달지 않은 맛', 'not too sweet'],
] as const;
const drink = [
  ['갓 볶은 원두', 'freshly roasted beans'],
  ['산미가 적은 고소한 맛', 'low acidity, nutty taste'],
  ['제주산 찻잎', 'leaves from Jeju'],
  ['개별 포장 티백', 'individually wrapped bags'],
] as const;
const skin = [
  ['민감한 피부용', 'for sensitive skin'],
  ['무향료', 'fragrance free'],
  ['촉촉한 보습', 'deep moisture'],
  ['피부과 테스트 완료', 'dermatologist tested'],
] as const;

export const PRODUCT_KINDS: Readonly<Record<string, readonly ProductKind[]>> = {
  shoes: [
    { name: '운동화', nameEn: 'Sneakers', minWon: 39000, maxWon: 159000, features: comfort },
    { name: '러닝화', nameEn: 'Running shoes', minWon: 69000, maxWon: 229000, features: comfort },
    { name: '슬립온', nameEn: 'Slip-ons', minWon: 29000, maxWon: 89000, features: comfort },
    { name: '등산화', nameEn: 'Hiking boots', minWon: 89000, maxWon: 259000, features: comfort },
    { name: '샌들', nameEn: 'Sandals', minWon: 19000, maxWon: 79000, features: comfort },
  ],
  clothing: [
    { name: '티셔츠', nameEn: 'T-shirt', minWon: 9900, maxWon: 49000, features: fabric },
    { name: '후드티', nameEn: 'Hoodie', minWon: 29000, maxWon: 99000, features: fabric },
    { name: '청바지', nameEn: 'Jeans', minWon: 39000, maxWon: 129000, features: fabric },
    { name: '패딩 점퍼', nameEn: 'Padded jacket', minWon: 89000, maxWon: 399000, features: fabric },
  ],
  bags: [
    { name: '백팩', nameEn: 'Backpack', minWon: 29000, maxWon: 189000, features: carry },
    { name: '토트백', nameEn: 'Tote bag', minWon: 19000, maxWon: 149000, features: carry },
    { name: '크로스백', nameEn: 'Crossbody bag', minWon: 25000, maxWon: 159000, features: carry },
  ],
  audio: [
    { name: '무선 이어폰', nameEn: 'Wireless earbuds', minWon: 39000, maxWon: 329000, features: sound },
    { name: '헤드폰', nameEn: 'Headphones', minWon: 59000, maxWon: 499000, features: sound },
    { name: '블루투스 스피커', nameEn: 'Bluetooth speaker', minWon: 29000, maxWon: 299000, features: sound },
  ],
  'phone-accessories': [
    { name: '휴대폰 케이스', nameEn: 'Phone case', minWon: 9900, maxWon: 49000, features: phone },
    { name: '고속 충전기', nameEn: 'Fast charger', minWon: 15000, maxWon: 69000, features: phone },
    { name: '보조배터리', nameEn: 'Power bank', minWon: 19000, maxWon: 89000, features: phone },
  ],
  kitchen: [
    { name: '프라이팬', nameEn: 'Frying pan', minWon: 19000, maxWon: 129000, features: kitchen },
    { name: '전기 밥솥', nameEn: 'Rice cooker', minWon: 59000, maxWon: 459000, features: kitchen },
    { name: '텀블러', nameEn: 'Tumbler', minWon: 12000, maxWon: 49000, features: kitchen },
  ],
  bedding: [
    { name: '차렵이불', nameEn: 'Quilted comforter', minWon: 49000, maxWon: 259000, features: bedding },
    { name: '베개', nameEn: 'Pillow', minWon: 15000, maxWon: 89000, features: bedding },
  ],
  snacks: [
    { name: '김부각', nameEn: 'Seaweed chips', minWon: 4900, maxWon: 19000, features: snack },
    { name: '견과류 믹스', nameEn: 'Mixed nuts', minWon: 9900, maxWon: 39000, features: snack },
    { name: '약과', nameEn: 'Yakgwa honey cookies', minWon: 6900, maxWon: 29000, features: snack },
  ],
  'coffee-tea': [
    { name: '원두 커피', nameEn: 'Coffee beans', minWon: 12000, maxWon: 59000, features: drink },
    { name: '녹차', nameEn: 'Green tea', minWon: 8900, maxWon: 45000, features: drink },
    { name: '보리차', nameEn: 'Barley tea', minWon: 4900, maxWon: 19000, features: drink },
  ],
  beauty: [
    { name: '수분 크림', nameEn: 'Moisturizing cream', minWon: 15000, maxWon: 89000, features: skin },
    { name: '선크림', nameEn: 'Sunscreen', minWon: 12000, maxWon: 39000, features: skin },
    { name: '클렌징 폼', nameEn: 'Cleansing foam', minWon: 8900, maxWon: 29000, features: skin },
  ],
};

/** Made-up brands, so nothing looks like a real company's product. */
export const BRANDS: readonly (readonly [string, string])[] = [
  ['하늘', 'Haneul'],
  ['바람', 'Baram'],
  ['소나무', 'Sonamu'],
  ['별빛', 'Byeolbit'],
  ['한결', 'Hangyeol'],
  ['다온', 'Daon'],
  ['누리', 'Nuri'],
  ['가온', 'Gaon'],
  ['라온', 'Raon'],
  ['미르', 'Mir'],
];

export const STYLES: readonly (readonly [string, string])[] = [
  ['클래식', 'Classic'],
  ['데일리', 'Daily'],
  ['프리미엄', 'Premium'],
  ['에센셜', 'Essential'],
  ['라이트', 'Light'],
  ['오리지널', 'Original'],
  ['어반', 'Urban'],
  ['모던', 'Modern'],
  ['베이직', 'Basic'],
  ['스포츠', 'Sport'],
];

export const COLOURS: readonly (readonly [string, string, string])[] = [
  ['블랙', 'black', '#2b2b2b'],
  ['화이트', 'white', '#d9d4c7'],
  ['네이비', 'navy', '#23395d'],
  ['베이지', 'beige', '#c8ad7f'],
  ['레드', 'red', '#b23a48'],
  ['그린', 'green', '#3f7d58'],
  ['그레이', 'grey', '#7a7d80'],
  ['스카이블루', 'sky blue', '#5fa8d3'],
];
