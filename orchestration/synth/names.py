"""Frequency-weighted name lists for a diverse English city, by name-origin group.

Lists are in descending order of frequency (ONS baby names and GB surname frequencies give the
ordering for the British list, via Faker's en_GB provider, whose surnames carry weights);
weights for the other groups follow rank (Zipf, exponent 0.9), since no official frequency
list exists for them. Each person is tagged with the origin group used so that linkage
accuracy can be compared across groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Share of households by the origin of the names they use (Bristol 2011 Census ethnicity,
# grouped by naming convention rather than ethnicity; "caribbean" names are largely British
# in form, which is itself a linkage fact worth keeping).
ORIGIN_SHARES = {
    "british": 0.760,
    "irish": 0.015,
    "polish": 0.035,
    "other_european": 0.025,
    "south_asian_muslim": 0.022,
    "indian": 0.015,
    "somali": 0.021,
    "west_african": 0.012,
    "caribbean": 0.030,
    "chinese": 0.010,
    "arabic": 0.010,
}

_W = {
    "irish": (
        "Sean Patrick Liam Conor Ciaran Declan Niall Eoin Cian Darragh Padraig Fionn Ronan "
        "Oisin Cathal",
        "Siobhan Aoife Niamh Ciara Sinead Roisin Orla Caoimhe Aisling Grainne Saoirse Clodagh "
        "Mairead Eimear",
        "Murphy Kelly O'Sullivan Walsh O'Brien Byrne Ryan O'Connor O'Neill O'Reilly Doyle "
        "McCarthy Gallagher "
        "Doherty Kennedy Lynch Murray Quinn Moore McLoughlin O'Carroll Connolly Daly "
        "O'Connell Brennan",
    ),
    "polish": (
        "Jakub Kacper Szymon Mateusz Michal Bartosz Piotr Tomasz Pawel Krzysztof Łukasz "
        "Marcin Wojciech Dawid",
        "Julia Zuzanna Maja Aleksandra Natalia Anna Katarzyna Agnieszka Magdalena Joanna "
        "Małgorzata Ewa Karolina",
        "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański "
        "Woźniak "
        "Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski",
    ),
    "other_european": (
        "Marco Luca Joao Pedro Miguel Carlos Antonio Andrei Mihai Jonas Lukas Matteo Diego",
        "Maria Ana Sofia Giulia Ioana Elena Ines Beatriz Laura Andreea Marta Chiara",
        "da Silva;dos Santos;Ferreira;Pereira;Rossi;Russo;Garcia;Martinez;de Souza;Popescu;Ionescu;"
        "van der Berg;De Luca;Fernandes;Lopez;del Rio;Kazlauskas;Oliveira",
    ),
    "south_asian_muslim": (
        "Mohammed Ali Ahmed Hassan Hamza Ibrahim Yusuf Bilal Imran Tariq Zain Usman Adnan "
        "Kamran Rashid",
        "Ayesha Fatima Maryam Zainab Amina Sana Hina Nadia Sadia Rukhsana Shabana Nasreen "
        "Farah Samina",
        "Khan Hussain Ahmed Ali Shah Begum Iqbal Akhtar Rahman Mahmood Malik Butt Bibi Miah "
        "Uddin Islam "
        "Chowdhury Raja Aziz",
    ),
    "indian": (
        "Arjun Rohan Raj Sanjay Amit Vikram Harpreet Gurpreet Jaspal Manish Ravi Sunil Kiran "
        "Deepak",
        "Priya Anjali Sunita Pooja Neha Simran Harjit Manpreet Kavita Meena Asha Ritu Shreya Divya",
        "Patel Singh Kaur Sharma Kumar Gill Sandhu Mistry Shah Parmar Chauhan Sidhu Dhillon "
        "Mehta Joshi",
    ),
    "somali": (
        "Mohamed Abdi Ahmed Ali Hassan Abdullahi Yusuf Omar Ibrahim Abdirahman Mahamed Farah "
        "Ismail "
        "Osman Hussein Said Jama Nur Abdikadir Aden",
        "Fadumo Hodan Amina Faduma Ayaan Hibo Sahra Nimo Ifrah Deeqa Hawa Sagal Ubah Ilhan "
        "Muna Asha",
        "",  # Somali names carry no family surname: see make_names
    ),
    "west_african": (
        "Chinedu Emeka Oluwaseun Kwame Kofi Tunde Segun Ifeanyi Chukwuemeka Femi Yaw Babatunde",
        "Chioma Ngozi Adaeze Abena Akosua Funmilayo Folake Amaka Ifeoma Yetunde Efua Blessing",
        "Okafor Adeyemi Mensah Okonkwo Boateng Adebayo Owusu Eze Nwosu Asante Oyelaran "
        "Ogunleye Appiah",
    ),
    "caribbean": (
        "Jermaine Marcus Tyrone Andre Dwayne Leon Delroy Winston Kareem Devon Nathaniel Jerome",
        "Shanice Keisha Tanisha Simone Marcia Claudette Jasmine Aaliyah Monique Janelle "
        "Denise Chantelle",
        "Campbell Williams Brown Smith Johnson Thomas Francis Clarke Grant Reid Henry Bailey "
        "Morgan Lewis "
        "Samuels Gordon Spencer",
    ),
    "chinese": (
        "Wei Jun Hao Ming Jian Lei Yong Chen Kai Tao Bo Hui",
        "Li Mei Xin Ying Jing Yan Ling Hua Fang Qing Xiu Lan",
        "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin Cheung Wong "
        "Chan Lam",
    ),
    "arabic": (
        "Ahmad Omar Khalid Youssef Mahmoud Karim Tariq Samir Walid Nabil Hamid Faisal",
        "Layla Nour Hana Rania Yasmin Salma Dina Reem Mariam Noor Leila Amal",
        "Al-Hassan;Al-Sayed;Haddad;Mansour;Khalil;Nasser;Saleh;Abdullah;Al-Amin;Hamdan;Aziz;El-Masri;Ibrahim",
    ),
    "british": (
        # Leading common names, to which Faker's en_GB first names are appended below.
        "",
        "",
        "",
    ),
}

NICKNAMES = {
    "William": ["Bill", "Will", "Billy"],
    "Robert": ["Bob", "Rob", "Bobby"],
    "Richard": ["Rick", "Dick", "Rich"],
    "James": ["Jim", "Jimmy", "Jamie"],
    "Michael": ["Mike", "Mick"],
    "Thomas": ["Tom", "Tommy"],
    "Christopher": ["Chris"],
    "Daniel": ["Dan", "Danny"],
    "Matthew": ["Matt"],
    "Anthony": ["Tony"],
    "Joseph": ["Joe"],
    "Jonathan": ["Jon"],
    "Nicholas": ["Nick"],
    "Samuel": ["Sam"],
    "Benjamin": ["Ben"],
    "Alexander": ["Alex"],
    "Edward": ["Ed", "Ted", "Eddie"],
    "Joshua": ["Josh"],
    "Andrew": ["Andy", "Drew"],
    "Stephen": ["Steve"],
    "Steven": ["Steve"],
    "David": ["Dave"],
    "Peter": ["Pete"],
    "Kenneth": ["Ken"],
    "Margaret": ["Maggie", "Peggy"],
    "Elizabeth": ["Liz", "Beth", "Lizzie"],
    "Catherine": ["Kate", "Cathy"],
    "Katherine": ["Kate", "Katie"],
    "Jennifer": ["Jenny", "Jen"],
    "Rebecca": ["Becky", "Becca"],
    "Victoria": ["Vicky"],
    "Samantha": ["Sam"],
    "Jessica": ["Jess"],
    "Charlotte": ["Lottie"],
    "Deborah": ["Debbie"],
    "Susan": ["Sue"],
    "Patricia": ["Pat", "Trish"],
    "Alexandra": ["Alex"],
    "Mohammed": ["Mohamed", "Muhammad"],
    "Mohamed": ["Mohammed", "Maxamed"],
    "Abdullahi": ["Abdi"],
    "Fadumo": ["Faduma"],
    "Aleksandra": ["Ola"],
    "Katarzyna": ["Kasia"],
    "Małgorzata": ["Gosia"],
    "Krzysztof": ["Krzys"],
    "Tomasz": ["Tomek"],
    "Michal": ["Michael"],
    "Jakub": ["Kuba"],
    "Oluwaseun": ["Seun"],
    "Babatunde": ["Tunde"],
    "Chukwuemeka": ["Emeka"],
    "Siobhan": ["Shiv"],
    "Patrick": ["Pat", "Paddy"],
    "Padraig": ["Patrick"],
    "Nathaniel": ["Nate", "Nathan"],
}


@dataclass(frozen=True)
class NameList:
    names: tuple[str, ...]
    cumulative: np.ndarray

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        picks = np.searchsorted(self.cumulative, rng.random(n), side="right")
        return np.asarray(self.names, dtype=object)[np.minimum(picks, len(self.names) - 1)]


def _zipf(names: list[str]) -> NameList:
    weights = 1.0 / np.arange(1, len(names) + 1) ** 0.9
    return NameList(tuple(names), np.cumsum(weights) / weights.sum())


@lru_cache(maxsize=1)
def name_lists() -> dict[str, dict[str, NameList]]:
    """origin -> {"M": first names, "F": first names, "S": surnames}."""
    from faker.providers.person.en_GB import Provider

    out: dict[str, dict[str, NameList]] = {}
    for origin, (male, female, surnames) in _W.items():
        if origin == "british":
            m = list(dict.fromkeys(Provider.first_names_male))
            f = list(dict.fromkeys(Provider.first_names_female))
            items = sorted(Provider.last_names.items(), key=lambda kv: (-kv[1], kv[0]))
            s_names = [k for k, _ in items]
            s_weights = np.array([w for _, w in items])
            surname_list = NameList(tuple(s_names), np.cumsum(s_weights) / s_weights.sum())
            out[origin] = {"M": _zipf(m), "F": _zipf(f), "S": surname_list}
            continue
        sep = ";" if ";" in surnames else " "
        out[origin] = {
            "M": _zipf(male.split()),
            "F": _zipf(female.split()),
            "S": _zipf([s for s in surnames.split(sep) if s]) if surnames else _zipf(male.split()),
        }
    return out


def feminine_polish(surname: str) -> str:
    """Polish surnames agree with sex: Kowalski -> Kowalska."""
    for masculine, feminine in (("ski", "ska"), ("cki", "cka"), ("dzki", "dzka")):
        if surname.endswith(masculine):
            return surname[: -len(masculine)] + feminine
    return surname


_ASCII = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "ś": "s",
        "Ś": "S",
        "ź": "z",
        "ż": "z",
        "ą": "a",
        "ę": "e",
        "ć": "c",
        "ń": "n",
        "ó": "o",
        "Ż": "Z",
        "Ź": "Z",
    }
)


def strip_diacritics(text: str) -> str:
    """What a system without Unicode support keeps of a name (Łukasz -> Lukasz)."""
    import unicodedata

    text = text.translate(_ASCII)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
